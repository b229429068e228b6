import type { CognitoAuthConfig, ResolvedUserPool } from '../cognito-auth.config.js';
import type { CognitoJwtHeader, CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import { decodeJws } from './decode-jwt.js';
import { findKnownHeader } from './known-headers.js';
import {
  assertClaimTypes,
  assertClient,
  assertHeader,
  assertTimeWindow,
  assertTokenLength,
  assertTokenUse,
  findPool,
} from './token-checks.js';

/** A token whose structure, header, claim types and time window passed: what remains needs its pool. */
export interface ReadToken {
  readonly header: CognitoJwtHeader;
  readonly payload: CognitoJwtPayload;
  /** The decoded signature. */
  readonly signature: Buffer;
  /** Where the header segment ends and the signing input ends (the two dots). */
  readonly firstDot: number;
  readonly lastDot: number;
}

/** A token that passed every check that does not need the key: what remains is the signature. */
export interface InspectedToken extends ReadToken {
  readonly pool: ResolvedUserPool;
  /** The configured client the token was issued to (`client_id`, or the matching `aud`). */
  readonly clientId: string;
}

/**
 * Runs every check that needs neither the pool nor the key, cheapest first, so that junk never
 * reaches the pool lookup (and the app's pool resolver) or the key set. Throws an
 * `InvalidTokenError` naming the first failed check. A header segment already seen on a
 * validly signed token is not decoded and checked again (see known-headers.ts).
 */
export function readToken(token: string, config: CognitoAuthConfig, nowSeconds: number): ReadToken {
  assertTokenLength(token, config.maxTokenLength);
  const decoded = decodeJws(token, findKnownHeader);
  if (!decoded.headerWasKnown) assertHeader(decoded.header);
  assertClaimTypes(decoded.payload);
  assertTimeWindow(decoded.payload, config.clockToleranceSeconds, nowSeconds);
  // The assertions above narrowed the header and payload (a known header passed when first seen).
  return decoded as unknown as ReadToken;
}

/** The checks of the token's own pool: its `token_use` and its client. */
export function checkAgainstPool(read: ReadToken, pool: ResolvedUserPool): InspectedToken {
  const { header, payload, signature, firstDot, lastDot } = read;
  assertTokenUse(payload, pool);
  const clientId = assertClient(payload, pool);
  return { header, payload, pool, clientId, signature, firstDot, lastDot };
}

/** Every check that does not need the key, against the configured pools. */
export function inspectToken(token: string, config: CognitoAuthConfig, nowSeconds: number): InspectedToken {
  const read = readToken(token, config, nowSeconds);
  return checkAgainstPool(read, findPool(read.payload, config.poolsByIssuer));
}
