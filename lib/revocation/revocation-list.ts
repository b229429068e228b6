import type { CognitoJwtPayload } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoRevocationEntry } from '../interfaces/cognito-revocation.interface.js';

/** What is revoked: a whole sign-in (`origin_jti`) or a single token (`jti`). */
export type RevocationKind = CognitoRevocationEntry['kind'];

/** One revocation, in force until `expiresAtMs` (the token's `exp` plus the clock tolerance). */
export type RevocationEntry = CognitoRevocationEntry;

/**
 * The deny-list every request reads: two maps, id → expiry, so a check is at most two `Map`
 * lookups and never touches the network. Entries are dropped by `sweep()` once their token has
 * expired (the token is then refused for its `exp` anyway).
 */
export class RevocationList {
  private readonly sessions = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  /** When the first entry expires: a sweep before then would free nothing, so a full list skips it. */
  private earliestExpiryMs = Infinity;

  get size(): number {
    return this.sessions.size + this.tokens.size;
  }

  isRevoked(claims: Pick<CognitoJwtPayload, 'jti'> & { origin_jti?: unknown }): boolean {
    const origin = claims.origin_jti;
    if (typeof origin === 'string' && this.sessions.has(origin)) return true;
    const jti = claims.jti;
    return typeof jti === 'string' && this.tokens.has(jti);
  }

  /**
   * Adds a revocation made here unless the list is full of entries still in force: then it
   * answers false, and what is revoked stays revoked (an older entry is never evicted for it).
   */
  tryAdd(entry: RevocationEntry, maxEntries: number, nowMs: number): boolean {
    if (!this.mapOf(entry.kind).has(entry.id) && this.size >= maxEntries) {
      this.sweep(nowMs);
      if (this.size >= maxEntries) return false;
    }
    this.set(entry);
    return true;
  }

  /** Adds or extends an entry; never shortens one (two tokens of a session may expire apart). */
  set(entry: RevocationEntry): void {
    const map = this.mapOf(entry.kind);
    const known = map.get(entry.id);
    if (known === undefined || known < entry.expiresAtMs) map.set(entry.id, entry.expiresAtMs);
    if (entry.expiresAtMs < this.earliestExpiryMs) this.earliestExpiryMs = entry.expiresAtMs;
  }

  /** Removes the entries whose tokens have expired. */
  sweep(nowMs: number): void {
    if (nowMs < this.earliestExpiryMs) return;
    let earliest = Infinity;
    for (const map of [this.sessions, this.tokens]) {
      for (const [id, expiresAtMs] of map) {
        if (expiresAtMs <= nowMs) map.delete(id);
        else if (expiresAtMs < earliest) earliest = expiresAtMs;
      }
    }
    this.earliestExpiryMs = earliest;
  }

  *entries(): IterableIterator<RevocationEntry> {
    for (const [id, expiresAtMs] of this.sessions) yield { kind: 'session', id, expiresAtMs };
    for (const [id, expiresAtMs] of this.tokens) yield { kind: 'token', id, expiresAtMs };
  }

  private mapOf(kind: RevocationKind): Map<string, number> {
    return kind === 'session' ? this.sessions : this.tokens;
  }
}
