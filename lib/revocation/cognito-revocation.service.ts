import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import {
  CallbackUnavailableError,
  InvalidRequestError,
  InvalidTokenError,
  RevocationUnavailableError,
} from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { withTimeout } from '../errors/with-timeout.js';
import type {
  CognitoRevocable,
  CognitoRevocableClaims,
  CognitoRevocationState,
  CognitoRevocationStore,
  CognitoRevocationStoreContext,
} from '../interfaces/cognito-revocation.interface.js';
import { type CognitoRevocationEvent, revocationChannel } from '../events/cognito-channels.js';
import type { RevocationKind } from './revocation-list.js';

/** Expired entries are dropped this often (and whenever the list is full). */
const SWEEP_INTERVAL_MS = 60_000;
/** The app's start and stop wait no longer for the store. */
const LIFECYCLE_TIMEOUT_MS = 10_000;
/** What a client is told while the list may be stale or the store fails: about one reconnection plus a reload. */
const RETRY_AFTER_SECONDS = 5;
/** Cognito's ids are UUIDs; anything printable and short is accepted, nothing that could split a Redis message. */
const ID = /^[\x21-\x7e]{1,256}$/;

/**
 * Sign-out that sticks: revokes a sign-in session (`origin_jti`, shared by the access and ID
 * tokens of one sign-in and the tokens refreshed from it) or one token (`jti`) until the
 * token expires. Every request checks the deny-list, verified-token cache hits included.
 *
 * Call it next to Cognito's `RevokeToken` (which stops the refresh token from minting new
 * tokens) or `GlobalSignOut` / `AdminUserGlobalSignOut`: Cognito refuses revoked tokens at its
 * own endpoints, but an API that verifies tokens locally only learns of it through this list.
 */
@Injectable()
export class CognitoRevocationService implements OnModuleInit, OnModuleDestroy {
  private readonly store: CognitoRevocationStore;
  private readonly refuseWhileStale: boolean;
  private readonly logger = new Logger('CognitoAuth');
  private sweepTimer?: NodeJS.Timeout;

  /** Told of each revocation this instance makes: the app's principals of those tokens are dropped. */
  private readonly revokedListeners: Array<(sub: string, sessionOrTokenId: string) => void> = [];

  constructor(@Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig) {
    this.store = config.revocation.store;
    this.refuseWhileStale = config.revocation.failurePolicy === 'refuse';
  }

  /** Starts the store (the Redis store loads the list, waiting a few seconds at most: an unreachable Redis does not stop the app). */
  async onModuleInit(): Promise<void> {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    const { maxEntries, failurePolicy } = this.config.revocation;
    const context: CognitoRevocationStoreContext = {
      maxEntries,
      failurePolicy,
      logger: this.logger,
      notify: (event) => this.publish(event),
    };
    await this.settle('start', () => this.store.start?.(context));
    this.publish('started');
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.settle('stop', () => this.store.stop?.());
    this.publish('stopped');
  }

  /** Revokes the sign-in session of this user or token (`origin_jti`), or the token alone (`jti`) when it has none. */
  async revoke(userOrClaims: CognitoRevocable): Promise<void> {
    const claims = claimsOf(userOrClaims);
    return typeof claims.origin_jti === 'string' ? this.add('session', claims) : this.add('token', claims);
  }

  /** Revokes every token of the sign-in (`origin_jti`): its access and ID tokens, and those refreshed from it. */
  async revokeSession(userOrClaims: CognitoRevocable): Promise<void> {
    return this.add('session', claimsOf(userOrClaims));
  }

  /** Revokes this token alone (`jti`). */
  async revokeToken(userOrClaims: CognitoRevocable): Promise<void> {
    return this.add('token', claimsOf(userOrClaims));
  }

  /** @internal Calls `listener` with the `sub` and the id (`origin_jti` or `jti`) of each revocation made here. */
  onRevoked(listener: (sub: string, sessionOrTokenId: string) => void): void {
    this.revokedListeners.push(listener);
  }

  isRevoked(userOrClaims: CognitoRevocable): boolean {
    return this.store.isRevoked(claimsOf(userOrClaims));
  }

  /** Revocations in force that this instance knows of. */
  get size(): number {
    return this.store.size;
  }

  /** Whether the list is known to be complete: false while Redis is unreachable or being reloaded. */
  get isCurrent(): boolean {
    return this.store.isCurrent;
  }

  /** The store's name, whether its list is current, and its size: what health checks and metrics read. */
  get storeState(): CognitoRevocationState {
    return { store: this.store.name, current: this.store.isCurrent, size: this.store.size };
  }

  /**
   * The per-request check, run by the verifier on every token it admits: a local lookup. Throws
   * `InvalidTokenError` (`revoked`) for a revoked token, and with `failurePolicy: 'refuse'`
   * `RevocationUnavailableError` while the list may be stale. A store that throws here, or
   * answers something other than a boolean, gets `CallbackUnavailableError` (503): never a pass.
   */
  assertNotRevoked(claims: CognitoRevocableClaims): void {
    let revoked: unknown;
    let stale: boolean;
    try {
      revoked = this.store.isRevoked(claims);
      stale = this.refuseWhileStale && !this.store.isCurrent;
    } catch (error) {
      throw this.storeFailed('isRevoked', error);
    }
    if (revoked === true) throw new InvalidTokenError('revoked', 'The token has been revoked');
    if (revoked !== false) throw this.storeFailed('isRevoked', `answered ${typeof revoked}, not a boolean`);
    if (stale) throw new RevocationUnavailableError(RETRY_AFTER_SECONDS);
  }

  private async add(kind: RevocationKind, claims: CognitoRevocableClaims): Promise<void> {
    const claim = kind === 'session' ? 'origin_jti' : 'jti';
    const id = claims[claim];
    // A 4xx, not a 500: the request cannot be served with this token, whatever the app does.
    if (typeof id !== 'string' || !ID.test(id)) {
      throw new InvalidRequestError(`The token has no usable ${claim} claim to revoke the ${kind} by`);
    }
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      throw new InvalidRequestError(`The token has no numeric exp claim to revoke the ${kind} until`);
    }
    const expiresAtMs = (claims.exp + this.config.clockToleranceSeconds) * 1000;
    // An expired token is refused for its exp already; there is nothing to remember.
    if (expiresAtMs <= Date.now()) return;
    try {
      await withTimeout(
        Promise.resolve().then(() => this.store.add({ kind, id, expiresAtMs })),
        this.config.callbackTimeoutMs,
        () => this.storeFailed('add', `did not answer within ${this.config.callbackTimeoutMs} ms`),
      );
    } catch (error) {
      if (error instanceof RevocationUnavailableError || error instanceof CallbackUnavailableError) throw error;
      throw this.storeFailed('add', error);
    }
    if (typeof claims.sub === 'string') for (const listener of this.revokedListeners) listener(claims.sub, id);
    this.publish('revoked');
  }

  private sweep(): void {
    try {
      this.store.sweep?.(Date.now());
    } catch (error) {
      this.storeFailed('sweep', error);
    }
  }

  /** Runs a lifecycle method within its bound: a store that throws or hangs is logged, and the app goes on. */
  private async settle(method: 'start' | 'stop', call: () => unknown): Promise<void> {
    try {
      await withTimeout(Promise.resolve().then(call), LIFECYCLE_TIMEOUT_MS, () =>
        this.storeFailed(method, `did not answer within ${LIFECYCLE_TIMEOUT_MS} ms`),
      );
    } catch (error) {
      if (!(error instanceof CallbackUnavailableError)) this.storeFailed(method, error);
    }
  }

  /** Logs a misbehaving store once per method (never a token: only the store's own message) and gives the 503 error. */
  private storeFailed(method: string, problem: unknown): CallbackUnavailableError {
    const what = problem instanceof Error ? `threw ${problem.name}: ${problem.message}` : String(problem);
    logOnce(
      this.logger,
      `revocationStore:${method}`,
      `Revocation store "${this.store.name}": ${method}() ${what.slice(0, 200)}`,
    );
    return new CallbackUnavailableError('revocationStore', `The revocation store failed in ${method}()`);
  }

  /** Announces a change of the store's state, only when someone listens. */
  private publish(event: string): void {
    if (!revocationChannel.hasSubscribers) return;
    const message: CognitoRevocationEvent = { store: this.store.name, current: this.store.isCurrent, event };
    revocationChannel.publish(message);
  }
}

function claimsOf(userOrClaims: CognitoRevocable): CognitoRevocableClaims {
  if (typeof userOrClaims !== 'object' || userOrClaims === null) {
    throw new TypeError('Expected the user object or the claims of a verified token');
  }
  const { claims, tokenUse } = userOrClaims as { claims?: unknown; tokenUse?: unknown };
  const isUser = typeof claims === 'object' && claims !== null && typeof tokenUse === 'string';
  return (isUser ? claims : userOrClaims) as CognitoRevocableClaims;
}
