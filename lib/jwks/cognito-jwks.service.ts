import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig, ResolvedUserPool } from '../cognito-auth.config.js';
import { CognitoEvents } from '../events/cognito-events.js';
import { JwksKeyStore } from './jwks-key-store.js';
import type { KeySetErrorType } from './key-set-error.js';

/** One pool's key set as the health check reports it. */
export interface KeySetState {
  readonly userPoolId: string;
  /** Signing keys held now. */
  readonly keys: number;
  /** Seconds since the keys were downloaded; null if never, or when they were given in the options. */
  readonly ageSeconds: number | null;
  /** The kind of failure of the last download (`timeout`, `http_status`, …); null when it succeeded or none ran. */
  readonly lastError: KeySetErrorType | null;
}

/** One key store per issuer, so a token's key always comes from its own pool's key set. */
@Injectable()
export class CognitoJwksService implements OnModuleInit {
  private readonly logger = new Logger('CognitoAuth');
  private readonly stores = new Map<string, JwksKeyStore>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    @Optional() private readonly events?: CognitoEvents,
  ) {
    for (const pool of config.poolsByIssuer.values()) {
      this.stores.set(pool.issuer, this.createStore(pool));
    }
  }

  async onModuleInit(): Promise<void> {
    if (this.config.preloadKeys === 'off') return;
    const results = await Promise.allSettled([...this.stores.values()].map((store) => store.load()));
    const failure = results.find((result) => result.status === 'rejected');
    if (!failure) return;
    const message = `Key set preload failed: ${(failure.reason as Error).message}`;
    if (this.config.preloadKeys === 'required') throw new Error(message);
    this.logger.warn(`${message}; keys will be fetched on first use`);
  }

  /** The cached key, without waiting: the fast path of every request after the first. */
  peekSigningKey(pool: ResolvedUserPool, kid: string): KeyObject | undefined {
    return this.storeOf(pool).peekKey(kid);
  }

  getSigningKey(pool: ResolvedUserPool, kid: string): Promise<KeyObject> {
    return this.storeOf(pool).getKey(kid);
  }

  /** Whether `key` is still what the issuer's key set publishes under `kid` (never, once the pool was released). */
  isCurrentKey(issuer: string, kid: string, key: KeyObject): boolean {
    return this.stores.get(issuer)?.isCurrent(kid, key) ?? false;
  }

  /** A pool found by the app's resolver: its keys come from its own key-set URL (or key set). */
  addPool(pool: ResolvedUserPool): void {
    this.stores.set(pool.issuer, this.createStore(pool));
  }

  /**
   * A resolved pool left the pool cache: its keys go with it, so memory stays bounded however
   * many tenants come and go, and tokens verified with them are not reused.
   */
  releasePool(pool: ResolvedUserPool): void {
    this.stores.delete(pool.issuer);
  }

  /** Each pool's keys, their age and the last download's failure, for the health check. */
  keySetStates(): KeySetState[] {
    const now = Date.now();
    return [...this.stores.values()].map((store) => {
      const { userPoolId, keys, loadedAt, lastError } = store.state;
      return {
        userPoolId,
        keys,
        ageSeconds: loadedAt === undefined ? null : Math.max(0, Math.floor((now - loadedAt) / 1000)),
        lastError: lastError ?? null,
      };
    });
  }

  /** A resolved pool released while one of its tokens was being checked gets a store again. */
  private storeOf(pool: ResolvedUserPool): JwksKeyStore {
    let store = this.stores.get(pool.issuer);
    if (store === undefined) this.stores.set(pool.issuer, (store = this.createStore(pool)));
    return store;
  }

  private createStore(pool: ResolvedUserPool): JwksKeyStore {
    return new JwksKeyStore({
      userPoolId: pool.userPoolId,
      jwksUri: pool.jwksUri,
      keys: pool.jwks,
      timeoutMs: this.config.jwksTimeoutMs,
      refetchIntervalMs: this.config.jwksRefetchIntervalMs,
      maxAgeMs: this.config.jwksMaxAgeMs,
      logger: this.logger,
      events: this.events?.jwks,
    });
  }
}
