import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/**
 * What a cache hit needs to admit a token again without its parse and signature check: the
 * token (a hit must be the same token), the user, the header (for the custom check) and the
 * key that verified the signature. `exp`, `nbf`, the issuer and the kid are read from the user
 * and the header, not stored twice.
 */
export class VerifiedToken {
  constructor(
    readonly token: string,
    /** Deeply frozen: every request that hits this entry gets the same, unchangeable user. */
    readonly user: CognitoUser,
    /** Frozen, and shared by the tokens of one key. */
    readonly header: CognitoJwtHeader,
    /** The key that verified the signature; the entry is only good while it is still published. */
    readonly key: KeyObject,
  ) {}

  get exp(): number {
    return this.user.claims.exp;
  }

  get nbf(): number | undefined {
    return this.user.claims.nbf;
  }

  get issuer(): string {
    return this.user.issuer;
  }

  get kid(): string {
    return this.header.kid;
  }
}

/**
 * Entries are looked up by a fingerprint of the end of the token's signature (see
 * `fingerprintOf`), and a hit needs the whole token to be equal as well: a number is hashed and
 * compared at once, where a string key (even the token's last 32 characters) is hashed anew for
 * every request's new string. A different token with the same fingerprint is a miss, never a
 * hit; if it is then verified, it takes that entry's place.
 */
function lookupKeyOf(token: string): number {
  return fingerprintOf(token) & 0x3fffffff; // a small integer: the cheapest Map key
}

/** Characters of the signature that make a token's fingerprint. */
const FINGERPRINT_CHARACTERS = 8;
/** The fingerprint table of the admission policy: 4 bytes a slot, at most 4 MiB. */
const MAX_SEEN_SLOTS = 2 ** 20;

/**
 * Tokens that passed every check, matched on the whole token string. The verifier re-checks
 * `exp`/`nbf`, the key, revocation and the custom check on every hit; only the parse and the
 * signature are skipped.
 *
 * While there is room, every verified token is kept. Once the cache is full, a token is only
 * kept (evicting the least recently used entry) the second time it is verified: a flood of
 * tokens that each come once (many new clients, a burst of refreshes) would otherwise replace
 * every entry with one that is never read, and each replaced entry is work for the garbage
 * collector. A token a client keeps sending is kept from its second request on.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries?: LRUCache<number, VerifiedToken>;
  private readonly maxEntries: number;
  /** Fingerprints of tokens verified once while the cache was full (see `seenBefore`). */
  private readonly seen: Int32Array;

  constructor(@Inject(COGNITO_AUTH_CONFIG) config: CognitoAuthConfig) {
    this.maxEntries = config.tokenCacheMaxEntries;
    this.seen = new Int32Array(this.maxEntries > 0 ? seenSlotsFor(this.maxEntries) : 0);
    if (this.maxEntries > 0) {
      this.entries = new LRUCache({ max: this.maxEntries });
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

  /** Keeps a verified token: always while there is room, and once full, from its second verification on. */
  set(token: string, user: CognitoUser, header: CognitoJwtHeader, key: KeyObject): void {
    if (this.entries === undefined) return;
    if (this.entries.size >= this.maxEntries && !this.seenBefore(token)) return;
    this.entries.set(lookupKeyOf(token), new VerifiedToken(token, user, header, key));
  }

  delete(token: string): void {
    if (this.get(token)) this.entries?.delete(lookupKeyOf(token));
  }

  /**
   * Whether this token was verified before (and remembers it if not), from its fingerprint in
   * a table with a slot per fingerprint. Tokens that share a slot overwrite each other, and two
   * fingerprints may be equal: either way a token is only kept a request earlier or later than
   * it would be. Whether a request is a hit never depends on it.
   */
  private seenBefore(token: string): boolean {
    const fingerprint = fingerprintOf(token);
    const slot = fingerprint & (this.seen.length - 1);
    if (this.seen[slot] === fingerprint) return true;
    this.seen[slot] = fingerprint;
    return false;
  }
}

/** A power of two, at least twice the number of entries (up to MAX_SEEN_SLOTS). */
function seenSlotsFor(maxEntries: number): number {
  return Math.min(MAX_SEEN_SLOTS, 2 ** Math.ceil(Math.log2(2 * maxEntries)));
}

/**
 * FNV-1a over the token's last characters but one (the last one of an RS256 signature carries
 * only two bits): a signature is random, so these are as good as a hash of the whole token.
 * Never 0, the value of an empty slot.
 */
function fingerprintOf(token: string): number {
  let hash = 0x811c9dc5;
  for (let index = Math.max(0, token.length - FINGERPRINT_CHARACTERS - 1); index < token.length - 1; index++) {
    hash = Math.imul(hash ^ token.charCodeAt(index), 0x01000193);
  }
  return hash === 0 ? 1 : hash;
}
