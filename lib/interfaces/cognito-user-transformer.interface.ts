import type { CognitoJwtHeader, CognitoJwtPayload } from './cognito-jwt.interface.js';
import type { CognitoUser } from './cognito-user.interface.js';

/** What the user transformer receives besides the verified Cognito user. */
export interface CognitoTransformContext {
  readonly header: Readonly<CognitoJwtHeader>;
  readonly payload: Readonly<CognitoJwtPayload>;
  /** Aborted when the transformer took longer than `transformUserTimeoutMs`: stop the lookup. */
  readonly signal: AbortSignal;
}

/**
 * Turns a verified Cognito user into the app's own user (the principal), once per token: a
 * database lookup, the tenant, the plan. Return the principal (an object), or null when the app
 * does not know this user (401 `invalid_token`). Throw an `HttpException` or an
 * `InvalidTokenError` to refuse with it; anything else thrown answers 503.
 */
export interface CognitoUserTransformer<TPrincipal extends object = object> {
  transform(
    user: CognitoUser,
    context: CognitoTransformContext,
  ): TPrincipal | null | undefined | Promise<TPrincipal | null | undefined>;
}

/** The `transformUser` option as a function. */
export type CognitoUserTransformFunction<TPrincipal extends object = object> =
  CognitoUserTransformer<TPrincipal>['transform'];
