import { extractBearerToken, type RequestLike } from '../token/bearer-token.js';
import { tokenFromCookie } from '../token/token-sources.js';
import type {
  CognitoAuthorizerEvent,
  CognitoHttpApiAuthorizerEvent,
  CognitoRequestAuthorizerEvent,
} from './authorizer-events.js';

/**
 * The bearer token of an authorizer event, or null when it carries none. Read with the same
 * rules as over HTTP: `Bearer` (any case) and the token; two `Authorization` headers, or a value
 * holding a comma (how the gateway joins repeated headers), throw `InvalidRequestError`. With
 * `cookie`, a `REQUEST` event's cookie of that name is read when no header is sent.
 */
export function tokenOfAuthorizerEvent(event: CognitoAuthorizerEvent, cookie?: string): string | null {
  if (event.type === 'TOKEN') {
    return extractBearerToken({ headers: { authorization: event.authorizationToken ?? undefined } });
  }
  const request = isHttpApiEvent(event) ? requestOfHttpApiEvent(event) : requestOfRestEvent(event);
  const fromHeader = extractBearerToken(request);
  if (fromHeader !== null || cookie === undefined || request.headers?.authorization !== undefined) {
    return fromHeader;
  }
  return tokenFromCookie(request, cookie);
}

export function isHttpApiEvent(event: CognitoAuthorizerEvent): event is CognitoHttpApiAuthorizerEvent {
  return event.type === 'REQUEST' && (event as { version?: string }).version === '2.0';
}

/** Payload 2.0: header names in lower case, repeated headers joined with commas, cookies in their own list. */
function requestOfHttpApiEvent(event: CognitoHttpApiAuthorizerEvent): RequestLike {
  const headers = event.headers ?? {};
  const cookies = event.cookies ?? [];
  return {
    headers: {
      authorization: headerValue(headers, 'authorization'),
      cookie: cookies.length > 0 ? cookies.join('; ') : headerValue(headers, 'cookie'),
    },
  };
}

/**
 * Payload 1.0: `headers` keeps one value per name (the last), `multiValueHeaders` every one:
 * they become raw header lines, so two `Authorization` headers are seen as two.
 */
function requestOfRestEvent(event: CognitoRequestAuthorizerEvent): RequestLike {
  const headers = event.headers ?? {};
  const rawHeaders: string[] = [];
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    for (const value of values ?? []) rawHeaders.push(name, value);
  }
  return {
    headers: { authorization: headerValue(headers, 'authorization'), cookie: headerValue(headers, 'cookie') },
    rawHeaders,
  };
}

/** A header's value whatever the case of its name (REST APIs keep the client's case). */
function headerValue(headers: Readonly<Record<string, string | undefined>>, lowerCaseName: string): string | undefined {
  const exact = headers[lowerCaseName];
  if (exact !== undefined) return exact;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === lowerCaseName) return value;
  }
  return undefined;
}
