import { RS256 } from '../cognito-auth.constants.js';
import type { ResolvedUserPool } from '../cognito-auth.config.js';
import { InvalidTokenError } from '../errors/cognito-auth.errors.js';
import type { CognitoJwtHeader, CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';

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

/**
 * The claims the module reads must have their JSON type when present: `iss`, `sub`,
 * `token_use` and `exp` are required. The first wrong claim, in the order below, is named.
 */
export function assertClaimTypes(payload: Record<string, unknown>): asserts payload is CognitoJwtPayload {
  // One named read per claim (each with its own inline cache): a loop over the claim names
  // would read them all at one site, which the engine serves with a slower generic lookup.
  const p = payload;
  requireClaim(p.iss, 'iss');
  requireClaim(p.sub, 'sub');
  requireClaim(p.token_use, 'token_use');
  requireClaim(p.exp, 'exp');
  checkClaim(p.iss, isString, 'iss');
  checkClaim(p.sub, isString, 'sub');
  checkClaim(p.token_use, isString, 'token_use');
  checkClaim(p.exp, isFiniteNumber, 'exp');
  checkClaim(p.nbf, isFiniteNumber, 'nbf');
  checkClaim(p.iat, isFiniteNumber, 'iat');
  checkClaim(p.auth_time, isFiniteNumber, 'auth_time');
  checkClaim(p.client_id, isString, 'client_id');
  checkClaim(p.aud, isAudience, 'aud');
  checkClaim(p.username, isString, 'username');
  checkClaim(p['cognito:username'], isString, 'cognito:username');
  checkClaim(p['cognito:groups'], isStringArray, 'cognito:groups');
  checkClaim(p.scope, isString, 'scope');
  checkClaim(p.jti, isString, 'jti');
  checkClaim(p.origin_jti, isString, 'origin_jti');
  checkClaim(p.event_id, isString, 'event_id');
  checkClaim(p.version, isFiniteNumber, 'version');
}

function requireClaim(value: unknown, claim: string): void {
  if (value === undefined) throw new InvalidTokenError('invalid_claim', `The token has no ${claim} claim`);
}

function checkClaim(value: unknown, hasType: (value: unknown) => boolean, claim: string): void {
  if (value !== undefined && !hasType(value)) {
    throw new InvalidTokenError('invalid_claim', `The token ${claim} claim has the wrong type`);
  }
}

function isString(value: unknown): boolean {
  return typeof value === 'string';
}

function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function isAudience(value: unknown): boolean {
  return typeof value === 'string' || (isStringArray(value) && value.length > 0);
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
  const tokenUse = payload.token_use;
  const accepted = pool.tokenUse === 'any' ? tokenUse === 'access' || tokenUse === 'id' : tokenUse === pool.tokenUse;
  if (!accepted) {
    const expected = pool.tokenUse === 'any' ? 'access or id' : pool.tokenUse;
    throw new InvalidTokenError('wrong_token_use', `The token_use claim must be ${expected}`);
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
