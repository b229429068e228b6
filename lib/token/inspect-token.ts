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

/** A token that passed every check that needs no key: what remains is the signature. */
export interface InspectedToken {
  readonly header: CognitoJwtHeader;
  readonly payload: CognitoJwtPayload;
  readonly pool: ResolvedUserPool;
  /** The configured client the token was issued to (`client_id`, or the matching `aud`). */
  readonly clientId: string;
  /** The decoded signature. */
  readonly signature: Buffer;
  /** Where the header segment ends and the signing input ends (the two dots). */
  readonly firstDot: number;
  readonly lastDot: number;
}

/**
 * Runs every check that does not need the key, cheapest first, so junk never reaches the key
 * set. Throws an `InvalidTokenError` naming the first failed check. A header segment already
 * seen on a validly signed token is not decoded and checked again (see known-headers.ts).
 */
export function inspectToken(token: string, config: CognitoAuthConfig, nowSeconds: number): InspectedToken {
  assertTokenLength(token, config.maxTokenLength);
  const { header, payload, signature, firstDot, lastDot, headerWasKnown } = decodeJws(token, findKnownHeader);
  if (!headerWasKnown) assertHeader(header);
  assertClaimTypes(payload);
  const pool = findPool(payload, config.poolsByIssuer);
  assertTimeWindow(payload, config.clockToleranceSeconds, nowSeconds);
  assertTokenUse(payload, pool);
  const clientId = assertClient(payload, pool);
  return { header: header as CognitoJwtHeader, payload, pool, clientId, signature, firstDot, lastDot };
}
