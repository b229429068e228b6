import type { CognitoJwtPayload } from './cognito-jwt.interface.js';

/**
 * What `@CurrentCognitoUser()` returns (and `@CurrentUser()` without `transformUser`): the raw
 * verified claims, plus derived fields that read the same for access, ID and machine tokens.
 * The object is deeply frozen: copy it (`{ ...user }`) to build something of your own.
 *
 * `TClaims` types your pool's custom claims, so they read without a cast:
 * `CognitoUser<{ 'custom:tenant': string }>` gives `user.claims['custom:tenant']` as a `string`.
 */
export interface CognitoUser<TClaims extends object = object> {
  readonly [claim: string]: unknown;
  readonly sub: string;
  /** `username` (access) or `cognito:username` (ID); null for machine-to-machine tokens. */
  readonly username: string | null;
  /** The configured app client the token was issued to: `client_id` (access) or the matching `aud` (ID). */
  readonly clientId: string;
  readonly tokenUse: 'access' | 'id';
  /** `cognito:groups`, `[]` when none. */
  readonly groups: readonly string[];
  /** `scope` split on spaces, `[]` when none. */
  readonly scopes: readonly string[];
  /** The pool the token came from. */
  readonly userPoolId: string;
  readonly issuer: string;
  /** The raw verified payload. */
  readonly claims: Readonly<CognitoJwtPayload & TClaims>;
}
