import type { ResolvedUserPool } from '../cognito-auth.config.js';
import type { CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/** The SPEC §5 user object: the verified claims, then derived fields that read the same for every token kind. */
export function createCognitoUser(payload: CognitoJwtPayload, pool: ResolvedUserPool): CognitoUser {
  return {
    ...payload,
    sub: payload.sub,
    username: payload.username ?? payload['cognito:username'] ?? null,
    clientId: payload.client_id ?? firstAudience(payload.aud) ?? null,
    tokenUse: payload.token_use,
    groups: payload['cognito:groups'] ?? [],
    scopes: payload.scope ? payload.scope.split(' ').filter(Boolean) : [],
    userPoolId: pool.userPoolId,
    issuer: pool.issuer,
    claims: payload,
  };
}

function firstAudience(aud: string | string[] | undefined): string | undefined {
  return Array.isArray(aud) ? aud[0] : aud;
}
