import { InvalidRequestError } from '../errors/cognito-auth.errors.js';

interface RequestLike {
  headers?: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
}

/**
 * The bearer token of the `Authorization` header, or null when there are no bearer
 * credentials (no header, another scheme, an empty token). The scheme is case-insensitive;
 * the query string is never read. Throws `InvalidRequestError` on duplicate headers, which
 * Node would otherwise fold into the first one silently.
 */
export function extractBearerToken(request: RequestLike): string | null {
  const value = request.headers?.authorization;
  if (value === undefined) return null;
  if (typeof value !== 'string' || countAuthorizationHeaders(request) > 1) {
    throw new InvalidRequestError('The request has more than one Authorization header');
  }
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return null;
  const token = space === -1 ? '' : value.slice(space + 1).trim();
  return token === '' ? null : token;
}

/** Same as `extractBearerToken`, but null instead of throwing: what passport-jwt expects. */
export function extractBearerTokenOrNull(request: RequestLike): string | null {
  try {
    return extractBearerToken(request);
  } catch {
    return null;
  }
}

function countAuthorizationHeaders(request: RequestLike): number {
  const rawHeaders = request.rawHeaders ?? request.raw?.rawHeaders ?? [];
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === 13 && rawHeaders[i].toLowerCase() === 'authorization') count += 1;
  }
  return count;
}
