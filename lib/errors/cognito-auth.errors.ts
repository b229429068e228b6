/** Why a token was refused. One reason per check, so logs and tests can tell them apart. */
export type InvalidTokenReason =
  | 'too_long'
  | 'malformed'
  | 'unsupported_algorithm'
  | 'invalid_kid'
  | 'crit_header'
  | 'invalid_claim'
  | 'unknown_issuer'
  | 'wrong_token_use'
  | 'wrong_client'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'unknown_key'
  | 'invalid_signature'
  | 'custom_check'
  | 'user_not_found'
  | 'revoked';

/** Base of every authentication or authorization failure the guard answers. */
export abstract class CognitoAuthError extends Error {
  override readonly name: string = this.constructor.name;
}

/** No credentials: no Authorization header, another scheme, or an empty Bearer token. */
export class MissingTokenError extends CognitoAuthError {
  constructor() {
    super('No bearer token');
  }
}

/** The request itself is malformed, e.g. two Authorization headers. */
export class InvalidRequestError extends CognitoAuthError {
  constructor(readonly description: string) {
    super(description);
  }
}

/** A token was sent but fails a check. The description is safe to send to the client. */
export class InvalidTokenError extends CognitoAuthError {
  constructor(
    readonly reason: InvalidTokenReason,
    readonly description: string,
  ) {
    super(description);
  }
}

/** No key can be had for the token: the key set is unreachable and nothing usable is cached. */
export class KeySetUnavailableError extends CognitoAuthError {
  constructor(readonly retryAfterSeconds: number) {
    super('The signing keys are unavailable');
  }
}

/**
 * The deny-list cannot be trusted or changed: Redis is unreachable (answered 503 with
 * `failurePolicy: 'refuse'`), or a revocation could not be stored.
 */
export class RevocationUnavailableError extends CognitoAuthError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'The revocation list is unavailable',
  ) {
    super(message);
  }
}

/** Seconds a client waits before retrying when the app's own code failed or did not answer. */
export const CALLBACK_RETRY_AFTER_SECONDS = 5;

/**
 * Code the app gave the module (a policy, `customCheck`, the user transformer, a revocation
 * store) did not answer within its bound, or failed in a way that says nothing about the
 * token: answered 503 with `Retry-After`, never a pass and never a hung request.
 */
export class CallbackUnavailableError extends CognitoAuthError {
  constructor(
    /** `policy`, `customCheck`, `transformUser`, `tokenExtractor`, `revocationStore`, … */
    readonly callback: string,
    message = `The ${callback} did not answer in time`,
    readonly retryAfterSeconds = CALLBACK_RETRY_AFTER_SECONDS,
  ) {
    super(message);
  }
}

const GROUP_REFUSALS = {
  any: 'The user is not in a required group',
  all: 'The user is not in every required group',
  none: 'The user is in an excluded group',
} as const;

/**
 * The user's groups do not meet a group rule: in none of `requiredGroups` (`match` `any`, the
 * default), not in all of them (`all`), or in one of them while they are excluded (`none`).
 */
export class GroupNotAllowedError extends CognitoAuthError {
  constructor(
    readonly requiredGroups: readonly string[],
    readonly match: 'any' | 'all' | 'none' = 'any',
  ) {
    super(GROUP_REFUSALS[match]);
  }
}

/** The token lacks a claim a route requires, or the claim has none of the accepted values. */
export class ClaimRequirementError extends CognitoAuthError {
  constructor(readonly claim: string) {
    super(`The token does not meet the requirement on its ${claim} claim`);
  }
}

/** A custom policy refused the request (it returned something other than true, or threw). */
export class PolicyRefusedError extends CognitoAuthError {
  constructor(readonly policy: string) {
    super(`The policy ${policy} refused the request`);
  }
}

/** The token comes from a user pool the route does not accept (`@UserPools`). */
export class UserPoolNotAllowedError extends CognitoAuthError {
  constructor(readonly allowedPools: readonly string[]) {
    super('The token comes from a user pool not accepted here');
  }
}

/** The token lacks a scope a route requires. */
export class InsufficientScopeError extends CognitoAuthError {
  constructor(readonly requiredScopes: readonly string[]) {
    super('The token lacks a required scope');
  }
}

/** The module options are invalid; thrown at start-up. */
export class CognitoAuthConfigError extends Error {
  override readonly name = 'CognitoAuthConfigError';
  constructor(problem: string) {
    super(`CognitoAuthModule: ${problem}`);
  }
}
