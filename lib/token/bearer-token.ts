import { InvalidRequestError } from '../errors/cognito-auth.errors.js';

/** What the token extraction reads of a Node/Express request or a Fastify request. */
export interface RequestLike {
  headers?: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  socket?: { server?: { maxHeadersCount?: number | null } };
  raw?: RequestLike;
}

/** Node keeps at most this many raw header entries (name, value, …) unless `maxHeadersCount` says otherwise. */
const NODE_DEFAULT_MAX_HEADER_ENTRIES = 2000;

/**
 * The bearer token of the `Authorization` header, or null when there are no bearer
 * credentials (no header, another scheme, an empty token). The scheme is case-insensitive;
 * the query string is never read. Throws `InvalidRequestError` when a second `Authorization`
 * header was sent or may have been dropped: Node folds duplicates into the first one, and
 * silently drops header lines past its limit. A value holding a comma is refused the same way:
 * a proxy (API Gateway, for one) joins repeated headers into one value with commas
 * (RFC 9110 §5.3), and a bearer token never holds one (RFC 6750 §2.1, `b64token`).
 */
export function extractBearerToken(request: RequestLike): string | null {
  const value = request.headers?.authorization;
  if (value === undefined) return null;
  if (typeof value !== 'string' || countAuthorizationHeaders(request) > 1) {
    throw new InvalidRequestError('The request has more than one Authorization header');
  }
  if (reachedHeaderLimit(request)) {
    throw new InvalidRequestError('The request has too many header lines');
  }
  if (value.includes(',')) {
    throw new InvalidRequestError('The Authorization header holds more than one value');
  }
  // The scheme ends at the first space: anything but `Bearer <token>` is no bearer credentials.
  if (value.indexOf(' ') !== BEARER.length || !startsWithName(value, BEARER)) return null;
  const token = trimSpacesAndTabs(value, BEARER.length + 1);
  return token === '' ? null : token;
}

const BEARER = 'bearer';

/**
 * Whether `value` starts with the lowercase ASCII `name`, compared case-insensitively, without a
 * new lowercased string per request.
 */
function startsWithName(value: string, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    // Setting 0x20 lowercases an ASCII capital and changes no lowercase letter.
    if ((value.charCodeAt(i) | 0x20) !== name.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * RFC 6750 §2.1: `Bearer` and the token, separated by spaces; only spaces and tabs are trimmed.
 * `value` from `start`, without the spaces and tabs at either end: a scan from each end, where a
 * regular expression would try every position of the ~1 KB token.
 */
function trimSpacesAndTabs(value: string, start: number): string {
  let end = value.length;
  while (start < end && isSpaceOrTab(value.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function rawHeadersOf(request: RequestLike): string[] {
  return request.rawHeaders ?? request.raw?.rawHeaders ?? [];
}

function countAuthorizationHeaders(request: RequestLike): number {
  const rawHeaders = rawHeadersOf(request);
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (isAuthorizationName(rawHeaders[i])) count += 1;
  }
  return count;
}

const AUTHORIZATION = 'authorization';

/** `name.toLowerCase() === 'authorization'`, without a new string on every request. */
function isAuthorizationName(name: string): boolean {
  if (name.length !== AUTHORIZATION.length) return false;
  return name === 'Authorization' || name === AUTHORIZATION || startsWithName(name, AUTHORIZATION);
}

/** Whether the request's header lines reached the server's limit, past which Node drops lines silently. */
export function reachedHeaderLimit(request: RequestLike): boolean {
  const maxHeadersCount = (request.socket ?? request.raw?.socket)?.server?.maxHeadersCount;
  const limit = typeof maxHeadersCount === 'number' ? maxHeadersCount * 2 : NODE_DEFAULT_MAX_HEADER_ENTRIES;
  return limit > 0 && rawHeadersOf(request).length >= limit;
}
