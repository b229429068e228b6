import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { assertTimeWindow } from '../token/token-checks.js';

interface VerifiedToken {
  readonly user: CognitoUser;
  readonly exp: number;
  readonly nbf?: number;
  readonly issuer: string;
  readonly kid: string;
}

/**
 * Tokens that passed every check, keyed by the whole token string, so a hit skips the
 * signature check. `exp`/`nbf` are checked against the clock on every hit, and the entries
 * of a key that leaves its refreshed key set are dropped.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries?: LRUCache<string, VerifiedToken>;
  private readonly toleranceSeconds: number;

  constructor(@Inject(COGNITO_AUTH_CONFIG) config: CognitoAuthConfig) {
    this.toleranceSeconds = config.clockToleranceSeconds;
    if (config.tokenCacheMaxEntries > 0) {
      this.entries = new LRUCache({ max: config.tokenCacheMaxEntries });
    }
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** The user of a verified, still valid token; undefined on a miss or an expired entry. */
  get(token: string, nowSeconds = Date.now() / 1000): CognitoUser | undefined {
    const entry = this.entries?.get(token);
    if (!entry) return undefined;
    try {
      assertTimeWindow(entry, this.toleranceSeconds, nowSeconds);
    } catch {
      this.entries!.delete(token);
      return undefined;
    }
    return entry.user;
  }

  set(token: string, entry: VerifiedToken): void {
    this.entries?.set(token, entry);
  }

  dropKeys(issuer: string, kids: readonly string[]): void {
    if (!this.entries) return;
    const removed = new Set(kids);
    for (const [token, entry] of this.entries.entries()) {
      if (entry.issuer === issuer && removed.has(entry.kid)) this.entries.delete(token);
    }
  }
}
