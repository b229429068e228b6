import { RS256 } from '../cognito-auth.constants.js';
import type { ResolvedUserPool } from '../cognito-auth.config.js';
import { InvalidTokenError } from '../errors/cognito-auth.errors.js';
import type { CognitoJwtHeader, CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';

type ClaimType = 'string' | 'number' | 'string[]' | 'audience';

/** Claims the module reads, with the JSON type each must have when present. */
const CLAIM_TYPES: ReadonlyArray<readonly [string, ClaimType]> = [
  ['iss', 'string'],
  ['sub', 'string'],
  ['token_use', 'string'],
  ['exp', 'number'],
  ['nbf', 'number'],
  ['iat', 'number'],
  ['auth_time', 'number'],
  ['client_id', 'string'],
  ['aud', 'audience'],
  ['username', 'string'],
  ['cognito:username', 'string'],
  ['cognito:groups', 'string[]'],
  ['scope', 'string'],
  ['jti', 'string'],
  ['origin_jti', 'string'],
  ['event_id', 'string'],
  ['version', 'number'],
];
const REQUIRED_CLAIMS = ['iss', 'sub', 'token_use', 'exp'];
const MAX_KID_LENGTH = 256;

export function assertTokenLength(token: string, maxLength: number): void {
  if (token.length > maxLength) {
    throw new InvalidTokenError('too_long', `The token is longer than ${maxLength} characters`);
  }
}

export function assertHeader(header: Record<string, unknown>): asserts header is CognitoJwtHeader {
  if (header.alg !== RS256) {
    throw new InvalidTokenError('unsupported_algorithm', 'The token algorithm must be RS256');
  }
  if ('crit' in header) {
    throw new InvalidTokenError('crit_header', 'The token has a crit header, which is not supported');
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw new InvalidTokenError('invalid_kid', 'The token kid header is missing or not a valid string');
  }
}

export function assertClaimTypes(payload: Record<string, unknown>): asserts payload is CognitoJwtPayload {
  for (const claim of REQUIRED_CLAIMS) {
    if (payload[claim] === undefined) {
      throw new InvalidTokenError('invalid_claim', `The token has no ${claim} claim`);
    }
  }
  for (const [claim, type] of CLAIM_TYPES) {
    const value = payload[claim];
    if (value !== undefined && !hasClaimType(value, type)) {
      throw new InvalidTokenError('invalid_claim', `The token ${claim} claim has the wrong type`);
    }
  }
}

function hasClaimType(value: unknown, type: ClaimType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string[]':
      return isStringArray(value);
    case 'audience':
      return typeof value === 'string' || (isStringArray(value) && value.length > 0);
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** `exp` and `nbf` against the clock, with the configured tolerance. Also used on cache hits. */
export function assertTimeWindow(
  payload: Pick<CognitoJwtPayload, 'exp' | 'nbf'>,
  toleranceSeconds: number,
  nowSeconds: number,
): void {
  if (nowSeconds >= payload.exp + toleranceSeconds) {
    throw new InvalidTokenError('expired', 'The token has expired');
  }
  if (payload.nbf !== undefined && nowSeconds + toleranceSeconds < payload.nbf) {
    throw new InvalidTokenError('not_yet_valid', 'The token is not valid yet');
  }
}

export function findPool(
  payload: CognitoJwtPayload,
  poolsByIssuer: ReadonlyMap<string, ResolvedUserPool>,
): ResolvedUserPool {
  const pool = poolsByIssuer.get(payload.iss);
  if (!pool) {
    throw new InvalidTokenError('unknown_issuer', 'The token issuer is not accepted');
  }
  return pool;
}

export function assertTokenUse(payload: CognitoJwtPayload, pool: ResolvedUserPool): void {
  const accepted = pool.tokenUse === 'any' ? ['access', 'id'] : [pool.tokenUse];
  if (!accepted.includes(payload.token_use)) {
    throw new InvalidTokenError('wrong_token_use', `The token_use claim must be ${accepted.join(' or ')}`);
  }
}

/**
 * Access tokens name their client in `client_id`, ID tokens in `aud`: checking `aud` on an
 * access token is the classic mistake (Cognito access tokens usually have none). Returns the
 * configured client the token matched, which becomes the user's `clientId`.
 */
export function assertClient(payload: CognitoJwtPayload, pool: ResolvedUserPool): string {
  if (payload.token_use === 'id') {
    const client = firstAccepted(payload.aud, pool.clientIds);
    if (client === undefined) {
      throw new InvalidTokenError('wrong_audience', 'The token audience is not an accepted client');
    }
    return client;
  }
  if (payload.client_id === undefined || !pool.clientIds.has(payload.client_id)) {
    throw new InvalidTokenError('wrong_client', 'The token client_id is not an accepted client');
  }
  if (
    payload.aud !== undefined &&
    firstAccepted(payload.aud, pool.clientIds) === undefined &&
    firstAccepted(payload.aud, pool.resourceAudiences) === undefined
  ) {
    throw new InvalidTokenError('wrong_audience', 'The token audience is not accepted');
  }
  return payload.client_id;
}

function firstAccepted(aud: string | string[] | undefined, accepted: ReadonlySet<string>): string | undefined {
  if (typeof aud === 'string') return accepted.has(aud) ? aud : undefined;
  return aud?.find((value) => accepted.has(value));
}
