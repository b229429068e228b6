import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig, ResolvedUserPool } from '../cognito-auth.config.js';
import { JwksKeyStore } from './jwks-key-store.js';

/** One key store per issuer, so a token's key always comes from its own pool's key set. */
@Injectable()
export class CognitoJwksService implements OnModuleInit {
  private readonly logger = new Logger('CognitoAuth');
  private readonly stores = new Map<string, JwksKeyStore>();

  constructor(@Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig) {
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
    return this.storeOf(pool.issuer).peekKey(kid);
  }

  getSigningKey(pool: ResolvedUserPool, kid: string): Promise<KeyObject> {
    return this.storeOf(pool.issuer).getKey(kid);
  }

  /** Whether `key` is still what the issuer's key set publishes under `kid`. */
  isCurrentKey(issuer: string, kid: string, key: KeyObject): boolean {
    return this.storeOf(issuer).isCurrent(kid, key);
  }

  private storeOf(issuer: string): JwksKeyStore {
    return this.stores.get(issuer)!;
  }

  private createStore(pool: ResolvedUserPool): JwksKeyStore {
    return new JwksKeyStore({
      jwksUri: pool.jwksUri,
      keys: pool.jwks,
      timeoutMs: this.config.jwksTimeoutMs,
      refetchIntervalMs: this.config.jwksRefetchIntervalMs,
      maxAgeMs: this.config.jwksMaxAgeMs,
      logger: this.logger,
    });
  }
}
