import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { InvalidTokenError, RevocationUnavailableError } from '../errors/cognito-auth.errors.js';
import type { CognitoRevocable, CognitoRevocableClaims } from '../interfaces/cognito-revocation.interface.js';
import { MemoryRevocationStore } from './memory-revocation.store.js';
import { RedisRevocationStore, UNREACHABLE_RETRY_AFTER_SECONDS } from './redis-revocation.store.js';
import type { RevocationKind } from './revocation-list.js';
import type { RevocationStore } from './revocation-store.js';

/** Expired entries are dropped this often (and whenever the list is full). */
const SWEEP_INTERVAL_MS = 60_000;
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
  private readonly store: RevocationStore;
  private readonly refuseWhileStale: boolean;
  private sweepTimer?: NodeJS.Timeout;

  constructor(@Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig) {
    const { redis, keyPrefix, maxEntries, failurePolicy } = config.revocation;
    this.store = redis
      ? new RedisRevocationStore(redis, { keyPrefix, maxEntries, failurePolicy, logger: new Logger('CognitoAuth') })
      : new MemoryRevocationStore(maxEntries);
    this.refuseWhileStale = failurePolicy === 'refuse';
  }

  /** Loads the Redis list (waiting a few seconds at most: an unreachable Redis does not stop the app). */
  async onModuleInit(): Promise<void> {
    this.sweepTimer = setInterval(() => this.store.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    await this.store.start();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.store.stop();
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

  /**
   * The per-request check, run by the verifier on every token it admits: a local lookup. Throws
   * `InvalidTokenError` (`revoked`) for a revoked token, and with `failurePolicy: 'refuse'`
   * `RevocationUnavailableError` while the list may be stale.
   */
  assertNotRevoked(claims: CognitoRevocableClaims): void {
    if (this.store.isRevoked(claims)) throw new InvalidTokenError('revoked', 'The token has been revoked');
    if (this.refuseWhileStale && !this.store.isCurrent) {
      throw new RevocationUnavailableError(UNREACHABLE_RETRY_AFTER_SECONDS);
    }
  }

  private async add(kind: RevocationKind, claims: CognitoRevocableClaims): Promise<void> {
    const claim = kind === 'session' ? 'origin_jti' : 'jti';
    const id = claims[claim];
    if (typeof id !== 'string' || !ID.test(id)) {
      throw new TypeError(`Cannot revoke the ${kind}: the token has no usable ${claim} claim`);
    }
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      throw new TypeError(`Cannot revoke the ${kind}: the token has no numeric exp claim`);
    }
    const expiresAtMs = (claims.exp + this.config.clockToleranceSeconds) * 1000;
    // An expired token is refused for its exp already; there is nothing to remember.
    if (expiresAtMs <= Date.now()) return;
    await this.store.add({ kind, id, expiresAtMs });
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
