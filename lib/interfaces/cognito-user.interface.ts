import type { CognitoJwtPayload } from './cognito-jwt.interface.js';

/**
 * What `@CurrentUser()` returns and what the guard puts on `request.user`: the raw verified
 * claims, plus derived fields that read the same for access, ID and machine tokens.
 */
export interface CognitoUser {
  [claim: string]: unknown;
  sub: string;
  /** `username` (access) or `cognito:username` (ID); null for machine-to-machine tokens. */
  username: string | null;
  /** `client_id` (access) or `aud` (ID). */
  clientId: string | null;
  tokenUse: 'access' | 'id';
  /** `cognito:groups`, `[]` when none. */
  groups: string[];
  /** `scope` split on spaces, `[]` when none. */
  scopes: string[];
  /** The pool the token came from. */
  userPoolId: string;
  issuer: string;
  /** The raw verified payload. */
  claims: CognitoJwtPayload;
}
