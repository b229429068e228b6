import type { ExecutionContext } from '@nestjs/common';
import { CognitoSocketRequest } from '../contexts/socket-request.js';
import { InvalidRequestError } from '../errors/cognito-auth.errors.js';
import type { CognitoTokenExtractor } from '../interfaces/cognito-auth-options.interface.js';
import { extractBearerToken, reachedHeaderLimit, type RequestLike } from './bearer-token.js';

/** The options that decide where a request's token is read. */
export interface TokenSources {
  readonly tokenCookie?: string;
  readonly tokenExtractor?: CognitoTokenExtractor;
}

/** RFC 6265 §4.1.1: a cookie name is an RFC 7230 token. */
export const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A socket.io client may send `Bearer <token>` in `auth.token` as well as the bare token. */
const BEARER_PREFIX = /^bearer[ \t]+/i;

/**
 * The token of a request as the options say: the custom extractor alone when there is one;
 * otherwise the built-in sources (see {@link tokenFromRequest}). null when there is none.
 */
export function extractToken(request: unknown, sources: TokenSources, context?: ExecutionContext): string | null {
  if (sources.tokenExtractor) return acceptExtracted(sources.tokenExtractor(request, context));
  return tokenFromRequest(request, { cookie: sources.tokenCookie });
}

/**
 * The built-in token sources, in this order: a socket.io handshake's `auth.token`; the
 * `Authorization: Bearer` header; then, when `cookie` is given, that cookie. The first source
 * present wins, so a header sent with the cookie decides. The query string is never read.
 * Throws `InvalidRequestError` for an ambiguous request (two `Authorization` headers, two
 * different values of the cookie, a handshake `auth.token` that is not a string).
 */
export function tokenFromRequest(request: unknown, options: { cookie?: string } = {}): string | null {
  const carrier = (request ?? {}) as RequestLike;
  if (carrier instanceof CognitoSocketRequest) {
    const fromAuth = handshakeAuthToken(carrier);
    if (fromAuth !== null) return fromAuth;
  }
  const fromHeader = extractBearerToken(carrier);
  if (fromHeader !== null || options.cookie === undefined) return fromHeader;
  return tokenFromCookie(carrier, options.cookie);
}

/**
 * The value of the cookie `name` in the request's `Cookie` header, or null. Parsed here, so
 * no cookie-parsing middleware is needed. Two different values of the cookie (one may have
 * been planted for a parent domain or a narrower path) are refused rather than guessed between.
 */
export function tokenFromCookie(request: unknown, name: string): string | null {
  const carrier = (request ?? {}) as RequestLike;
  const header = carrier.headers?.cookie;
  const lines = typeof header === 'string' ? [header] : Array.isArray(header) ? header : [];
  let found: string | null = null;
  for (const line of lines) {
    for (const pair of String(line).split(';')) {
      const equals = pair.indexOf('=');
      if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
      const value = unquote(pair.slice(equals + 1).trim());
      if (value === '') continue;
      if (found !== null && found !== value) {
        throw new InvalidRequestError(`The request has more than one ${name} cookie`);
      }
      found = value;
    }
  }
  // Past the header limit an Authorization header may have been dropped, and it would have won.
  if (found !== null && reachedHeaderLimit(carrier)) {
    throw new InvalidRequestError('The request has too many header lines');
  }
  return found;
}

function handshakeAuthToken(request: CognitoSocketRequest): string | null {
  const token = request.auth?.token;
  if (token === undefined || token === null) return null;
  if (typeof token !== 'string') throw new InvalidRequestError('The handshake auth.token must be a string');
  const bare = token.replace(BEARER_PREFIX, '').trim();
  return bare === '' ? null : bare;
}

/** What a custom extractor returned: a non-empty string is a token; anything else is none. */
function acceptExtracted(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
