import { InvalidRequestError } from '../errors/cognito-auth.errors.js';
import { extractBearerToken, reachedHeaderLimit, type RequestLike } from './bearer-token.js';

/** A request that may carry a token outside its headers (socket.io's handshake `auth.token`). */
interface CredentialsCarrier extends RequestLike {
  readonly credentialsToken?: unknown;
}

/** RFC 6265 §4.1.1: a cookie name is an RFC 7230 token. */
export const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A socket.io client may send `Bearer <token>` in `auth.token` as well as the bare token. */
const BEARER_PREFIX = /^bearer[ \t]+/i;

/**
 * The built-in token sources, in this order: a token given outside the headers (a socket.io
 * handshake's `auth.token`); the `Authorization: Bearer` header; then, when `cookie` is given and
 * the request has no `Authorization` header at all, that cookie. Any `Authorization` header
 * decides, even another scheme or an empty one: the client said which credentials it sends,
 * and a cookie the browser added on its own is not read behind its back. The query string is
 * never read. Throws `InvalidRequestError` for an ambiguous request (two `Authorization`
 * headers, two different values of the cookie, a handshake `auth.token` that is not a string).
 */
export function tokenFromRequest(request: unknown, options: { cookie?: string } = {}): string | null {
  const carrier = (request ?? {}) as CredentialsCarrier;
  // A token given outside the headers decides, even an empty one, as an Authorization header does.
  if (carrier.credentialsToken !== undefined && carrier.credentialsToken !== null) {
    return givenToken(carrier.credentialsToken);
  }
  const fromHeader = extractBearerToken(carrier);
  if (fromHeader !== null || options.cookie === undefined || hasAuthorizationHeader(carrier)) return fromHeader;
  return tokenFromCookie(carrier, options.cookie);
}

function hasAuthorizationHeader(request: RequestLike): boolean {
  return request.headers?.authorization !== undefined;
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

function givenToken(token: unknown): string | null {
  if (typeof token !== 'string') throw new InvalidRequestError('The handshake auth.token must be a string');
  const bare = token.replace(BEARER_PREFIX, '').trim();
  return bare === '' ? null : bare;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
