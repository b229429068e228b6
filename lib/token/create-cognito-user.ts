import type { ResolvedUserPool } from '../cognito-auth.config.js';
import type { CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/**
 * Claims that are not copied onto the user object itself (they stay in `user.claims`):
 * `__proto__` would become its prototype through assignment, and the other two would shadow
 * what every object has.
 */
const SHAPE_CLAIMS = new Set(['__proto__', 'constructor', 'prototype']);

/** Fields the module derives from checked claims; a claim of the same name never sets them. */
const DERIVED_FIELDS = new Set(['username', 'clientId', 'tokenUse', 'groups', 'scopes', 'userPoolId', 'issuer', 'claims']);

/**
 * The user object: the verified claims, then derived fields that read the same for every token
 * kind. It is deeply frozen, so one request's handler cannot change what a later request with
 * the same (cached) token is allowed to do.
 */
export function createCognitoUser(payload: CognitoJwtPayload, pool: ResolvedUserPool, clientId: string): CognitoUser {
  const user: Record<string, unknown> = {};
  for (const claim in payload) {
    if (!SHAPE_CLAIMS.has(claim) && !DERIVED_FIELDS.has(claim)) user[claim] = payload[claim];
  }
  user.username = payload.username ?? payload['cognito:username'] ?? null;
  user.clientId = clientId;
  user.tokenUse = payload.token_use;
  user.groups = payload['cognito:groups'] ?? [];
  user.scopes = payload.scope ? payload.scope.split(' ').filter(Boolean) : [];
  user.userPoolId = pool.userPoolId;
  user.issuer = pool.issuer;
  user.claims = payload;
  return deepFreeze(user) as unknown as CognitoUser;
}

/** JSON values only (what a JWT payload holds), so plain recursion over own values is enough. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
