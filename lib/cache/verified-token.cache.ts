import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/** What a cache hit needs to admit a token again without its parse and signature check. */
export interface VerifiedToken {
  readonly token: string;
  /** Deeply frozen: every request that hits this entry gets the same, unchangeable user. */
  readonly user: CognitoUser;
  readonly header: CognitoJwtHeader;
  readonly exp: number;
  readonly nbf?: number;
  readonly issuer: string;
  readonly kid: string;
  /** The key that verified the signature; the entry is only good while it is still published. */
  readonly key: KeyObject;
}

/**
 * Entries are looked up by the token's last characters (the end of its signature), and a hit
 * needs the whole token to be equal as well: hashing a new ~1 KB string on every request costs
 * more than a short key and one string comparison. A different token that ends the same way is
 * a miss, never a hit.
 */
const LOOKUP_SUFFIX_LENGTH = 32;

function lookupKeyOf(token: string): string {
  return token.length > LOOKUP_SUFFIX_LENGTH ? token.slice(-LOOKUP_SUFFIX_LENGTH) : token;
}

/**
 * Tokens that passed every check, matched on the whole token string. The verifier re-checks
 * `exp`/`nbf`, the key, revocation and the custom check on every hit; only the parse and the
 * signature are skipped.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries?: LRUCache<string, VerifiedToken>;

  constructor(@Inject(COGNITO_AUTH_CONFIG) config: CognitoAuthConfig) {
    if (config.tokenCacheMaxEntries > 0) {
      this.entries = new LRUCache({ max: config.tokenCacheMaxEntries });
    }
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** The entry of exactly this token, if any. */
  get(token: string): VerifiedToken | undefined {
    const entry = this.entries?.get(lookupKeyOf(token));
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  set(entry: VerifiedToken): void {
    this.entries?.set(lookupKeyOf(entry.token), entry);
  }

  delete(token: string): void {
    if (this.get(token)) this.entries?.delete(lookupKeyOf(token));
  }
}
