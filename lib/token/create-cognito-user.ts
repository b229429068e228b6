import type { ResolvedUserPool } from '../cognito-auth.config.js';
import type { CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { deepFreeze } from './deep-freeze.js';

/**
 * Claims that are not copied onto the user object itself (they stay in `user.claims`):
 * `__proto__` would become its prototype through assignment, `constructor` and `prototype`
 * would shadow what every object has, and the fields the module derives from checked claims
 * are never set by a claim of the same name.
 */
function stayInClaimsOnly(claim: string): boolean {
  switch (claim) {
    case '__proto__':
    case 'constructor':
    case 'prototype':
    case 'username':
    case 'clientId':
    case 'tokenUse':
    case 'groups':
    case 'scopes':
    case 'userPoolId':
    case 'issuer':
    case 'claims':
      return true;
    default:
      return false;
  }
}

/**
 * Users are made with `new`: the engine then keeps their fields inside the object, sized from
 * the first users made, where a `{}` would grow a separate field store (a new, larger copy
 * every few fields). The prototype is `Object.prototype`, as a literal's.
 */
const UserObject = function UserObject() {} as unknown as new () => Record<string, unknown>;
UserObject.prototype = Object.prototype;

/** No groups, no scopes: one frozen empty list for every user. */
const NONE: readonly string[] = Object.freeze([]);

/**
 * The user object: the verified claims, then derived fields that read the same for every token
 * kind. It is deeply frozen, so one request's handler cannot change what a later request with
 * the same (cached) token is allowed to do.
 */
export function createCognitoUser(payload: CognitoJwtPayload, pool: ResolvedUserPool, clientId: string): CognitoUser {
  // The checked `iss` equals the pool's issuer: the pool's string is kept instead of the
  // token's copy (the same text), one string less per cached token.
  if (payload.iss === pool.issuer && !Object.isFrozen(payload)) payload.iss = pool.issuer;
  deepFreeze(payload);
  const user = new UserObject();
  for (const claim in payload) {
    if (!stayInClaimsOnly(claim)) user[claim] = payload[claim];
  }
  user.username = payload.username ?? payload['cognito:username'] ?? null;
  user.clientId = clientId;
  user.tokenUse = payload.token_use;
  user.groups = payload['cognito:groups'] ?? NONE;
  user.scopes = payload.scope ? Object.freeze(payload.scope.split(' ').filter(Boolean)) : NONE;
  user.userPoolId = pool.userPoolId;
  user.issuer = pool.issuer;
  user.claims = payload;
  // Every object the user holds is frozen by now: the claims (deeply), the lists.
  return Object.freeze(user) as unknown as CognitoUser;
}
