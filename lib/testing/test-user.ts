import type { ResolvedUserPool } from '../cognito-auth.config.js';
import type { CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { createCognitoUser } from '../token/create-cognito-user.js';
import { defaultAccessClaims, defaultIdClaims, defaultMachineClaims, nowInSeconds } from './cognito-claims.js';
import { withoutUndefined } from './token-signer.js';

/** Who {@link cognitoUser} and {@link actAsCognitoUser} stand for. Every field is optional. */
export interface CognitoUserOptions {
  /**
   * `username` of an access token, `cognito:username` of an ID token; default `'test-user'`.
   * `null` gives a machine (client-credentials) user: `sub` = the client id, no user name.
   */
  username?: string | null;
  /** `cognito:groups`. Default: none. */
  groups?: readonly string[];
  /** The token's `scope`, split. Default: `aws.cognito.signin.user.admin` for a user, none for an ID token. */
  scopes?: readonly string[];
  /** `'access'` (default) or `'id'`. */
  tokenUse?: 'access' | 'id';
  /** Default: a random UUID (the client id for a machine user). */
  sub?: string;
  /** Default `'test-client-id'`, as the test kit. */
  clientId?: string;
  /** Default `'us-east-1_TestPool1'`, as the test kit. The issuer is the Cognito URL of this pool. */
  userPoolId?: string;
  /**
   * Any other claims (`email`, `custom:tenant`, …), merged over the default claims of the token
   * kind; a claim set to `undefined` is removed. The fields above win over these.
   */
  claims?: Record<string, unknown>;
}

const DEFAULT_USER_POOL_ID = 'us-east-1_TestPool1';
const DEFAULT_CLIENT_ID = 'test-client-id';

/**
 * The user object the module would give `@CurrentUser()` for such a token, built without any
 * token or key: for calling controller methods directly in unit tests.
 *
 * @example controller.getProfile(cognitoUser({ username: 'alice', groups: ['admin'] }))
 */
export function cognitoUser(options: CognitoUserOptions = {}): CognitoUser {
  const userPoolId = options.userPoolId ?? DEFAULT_USER_POOL_ID;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const region = userPoolId.includes('_') ? userPoolId.slice(0, userPoolId.indexOf('_')) : 'us-east-1';
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const context = { issuer, clientId };
  const now = nowInSeconds();
  const tokenUse = options.tokenUse ?? 'access';
  const machine = options.username === null;
  if (machine && tokenUse === 'id') throw new TypeError('cognitoUser: an ID token always has a user name');
  const defaults = machine
    ? defaultMachineClaims(context, now)
    : tokenUse === 'id'
      ? defaultIdClaims(context, now)
      : defaultAccessClaims(context, now);
  const chosen: Record<string, unknown> = {
    sub: options.sub,
    'cognito:groups': options.groups === undefined ? undefined : [...options.groups],
    scope: options.scopes === undefined ? undefined : options.scopes.join(' '),
  };
  if (typeof options.username === 'string')
    chosen[tokenUse === 'id' ? 'cognito:username' : 'username'] = options.username;
  const payload = withoutUndefined({ ...defaults, ...options.claims, ...withoutUndefined(chosen) });
  const pool = { userPoolId, region, issuer } as ResolvedUserPool;
  return createCognitoUser(payload as unknown as CognitoJwtPayload, pool, clientId);
}
