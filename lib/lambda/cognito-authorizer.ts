import { performance } from 'node:perf_hooks';
import {
  CognitoAuthError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
} from '../errors/cognito-auth.errors.js';
import { toAnswer } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import {
  authenticateChannel,
  authorizeChannel,
  type CognitoAuthenticateEvent,
  type CognitoAuthorizeEvent,
} from '../events/cognito-channels.js';
import type {
  CognitoAuthorizerEvent,
  CognitoAuthorizerPolicy,
  CognitoAuthorizerResult,
  CognitoAuthorizerSimpleResult,
} from './authorizer-events.js';
import { contextOf, policyOf, stageWildcardArn } from './authorizer-policy.js';
import { assertRules, type AuthorizerRules, ruleNameOf } from './authorizer-rules.js';
import { isHttpApiEvent, tokenOfAuthorizerEvent } from './authorizer-token.js';
import { type CognitoAuthorizerOptions, resolveAuthorizerOptions } from './cognito-authorizer.options.js';
import { createStandaloneVerifier, type StandaloneVerifier } from './standalone-verifier.js';
import type { CheckObservation } from '../verification/token-checker.js';

/** An API Gateway Lambda authorizer; `ready` settles when its start-up work (`preloadKeys`) is done. */
export interface CognitoAuthorizer {
  (event: CognitoAuthorizerEvent): Promise<CognitoAuthorizerResult>;
  /**
   * Settles when the key sets are downloaded (with `preloadKeys`) and the revocation list is
   * loaded; rejects only with `preloadKeys: 'required'` when a key set could not be had.
   */
  readonly ready: Promise<void>;
}

/**
 * An API Gateway Lambda authorizer that verifies Cognito tokens with the module's checks, key
 * handling, cache and revocation, without a Nest application. Create it once, outside the
 * handler, so its key sets and cache live as long as the container:
 *
 * ```ts
 * export const handler = createCognitoAuthorizer({ userPoolId, clientId, preloadKeys: 'best-effort' });
 * ```
 *
 * - A valid token (and the `groups` / `scopes` rules passed): an Allow policy on every route of
 *   the API's stage, `principalId` the token's `sub`, and a flat `context` (`sub`, `username`,
 *   `clientId`, `tokenUse`, `userPoolId`, `groups` joined with commas, `scopes` with spaces).
 * - No token, a bad token or a malformed request: rejects with `Error('Unauthorized')`, which
 *   the gateway answers with 401 (simple responses: `{ isAuthorized: false }`).
 * - A rule refuses: a Deny policy (the gateway answers 403; simple responses: `{ isAuthorized: false }`).
 * - No key can be had, or the revocation list cannot be trusted: rejects with that error
 *   (`KeySetUnavailableError`, …), which the gateway answers with 500. Never an Allow.
 */
export function createCognitoAuthorizer(options: CognitoAuthorizerOptions): CognitoAuthorizer {
  const { config, rules, simpleResponse } = resolveAuthorizerOptions(options);
  const verification = createStandaloneVerifier(config);
  // Awaiting is the caller's choice; a best-effort preload never rejects, a required one must be seen.
  if (config.preloadKeys !== 'required') void verification.ready.catch(() => undefined);
  const authorize = (event: CognitoAuthorizerEvent) =>
    authorizeEvent(event, { verification, rules, simpleResponse, cookie: config.tokenCookie });
  return Object.assign(authorize, { ready: verification.ready });
}

interface AuthorizerRun {
  readonly verification: StandaloneVerifier;
  readonly rules: AuthorizerRules;
  readonly simpleResponse: boolean;
  readonly cookie?: string;
}

async function authorizeEvent(event: CognitoAuthorizerEvent, run: AuthorizerRun): Promise<CognitoAuthorizerResult> {
  const simple = run.simpleResponse && isHttpApiEvent(event);
  const resource = simple ? '' : stageWildcardArn(methodArnOf(event));
  const attempt = new Attempt();
  let user: CognitoUser;
  try {
    const token = tokenOfAuthorizerEvent(event, run.cookie);
    if (token === null) throw new MissingTokenError();
    user = await run.verification.checker.check(token, attempt.observation);
  } catch (error) {
    attempt.failed(error);
    return refuse(error, simple, resource);
  }
  attempt.succeeded(user);
  return decide(user, run.rules, simple, resource);
}

function decide(
  user: CognitoUser,
  rules: AuthorizerRules,
  simple: boolean,
  resource: string,
): CognitoAuthorizerPolicy | CognitoAuthorizerSimpleResult {
  try {
    assertRules(user, rules);
  } catch (error) {
    publishAuthorize('denied', ruleNameOf(error));
    return simple ? { isAuthorized: false } : policyOf(user.sub, 'Deny', resource);
  }
  publishAuthorize('allowed', rules.groups.length > 0 ? 'groups' : rules.scopes.length > 0 ? 'scopes' : 'none');
  const context = contextOf(user);
  return simple ? { isAuthorized: true, context } : policyOf(user.sub, 'Allow', resource, context);
}

function methodArnOf(event: CognitoAuthorizerEvent): unknown {
  return isHttpApiEvent(event) ? event.routeArn : event.methodArn;
}

/** Anything the gateway may not know a user by: `principalId` of a Deny that no verified token backs. */
const UNVERIFIED_PRINCIPAL = 'unverified';

/**
 * The gateway answers 401 only for an error whose message is exactly `Unauthorized`, 403 for a
 * Deny policy, and 500 for any other error: what a key set that cannot be had must give, never
 * an Allow. A 400 (a malformed request) has no gateway answer of its own and becomes the 401; a
 * 403 a `customCheck` threw becomes a Deny.
 */
function refuse(error: unknown, simple: boolean, resource: string): CognitoAuthorizerResult {
  const status = toAnswer(error).status;
  if (status === 400 || status === 401) {
    if (simple) return { isAuthorized: false };
    throw new Error('Unauthorized');
  }
  if (status === 403) return simple ? { isAuthorized: false } : policyOf(UNVERIFIED_PRINCIPAL, 'Deny', resource);
  throw error instanceof Error ? error : new Error('Token verification failed');
}

/** One authentication attempt, published on the `authenticate` channel when someone listens. */
class Attempt {
  private readonly startedAt = authenticateChannel.hasSubscribers ? performance.now() : 0;
  /** Filled in by the checker, only when someone listens. */
  readonly observation: CheckObservation | undefined = authenticateChannel.hasSubscribers
    ? { cacheHit: false }
    : undefined;

  succeeded(user: CognitoUser): void {
    if (!authenticateChannel.hasSubscribers) return;
    this.publish({ result: 'success', status: 200, userPoolId: user.userPoolId, tokenUse: user.tokenUse });
  }

  failed(error: unknown): void {
    if (!authenticateChannel.hasSubscribers) return;
    const status = toAnswer(error).status;
    if (error instanceof MissingTokenError) return this.publish({ result: 'none', status });
    this.publish({ result: 'failure', status, reason: reasonOf(error, status) });
  }

  private publish(fields: Pick<CognitoAuthenticateEvent, 'result' | 'status' | 'reason' | 'userPoolId' | 'tokenUse'>) {
    const message: CognitoAuthenticateEvent = {
      ...fields,
      cacheHit: this.observation?.cacheHit ?? false,
      transport: 'lambda',
      durationMs: performance.now() - this.startedAt,
    };
    authenticateChannel.publish(message);
  }
}

function reasonOf(error: unknown, status: number): string {
  if (error instanceof InvalidTokenError) return error.reason;
  if (error instanceof InvalidRequestError) return 'invalid_request';
  if (status === 503) return 'unavailable';
  return error instanceof CognitoAuthError ? error.name : 'refused';
}

function publishAuthorize(result: CognitoAuthorizeEvent['result'], rule: string): void {
  if (!authorizeChannel.hasSubscribers) return;
  const message: CognitoAuthorizeEvent = { result, rule, status: result === 'allowed' ? 200 : 403 };
  authorizeChannel.publish(message);
}
