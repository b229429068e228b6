import type { ResolvedUserPool } from '../cognito-auth.config.js';

export interface UserPoolCacheOptions {
  /** How long an answer (a pool, or none) is reused before the resolver is asked again. */
  readonly ttlMs: number;
  /** At most this many pools, and as many "no pool" answers, are kept. */
  readonly maxEntries: number;
  /** Called with a pool whose answer left the cache (expired or evicted), to release its key set. */
  readonly onRelease: (pool: ResolvedUserPool) => void;
}

interface PoolEntry {
  readonly pool: ResolvedUserPool;
  readonly expiresAt: number;
}

/**
 * The resolver's answers, by issuer, each for `ttlMs`. Pools and "no pool" answers are kept
 * apart and bounded separately, so that a flood of made-up issuers evicts only other made-up
 * issuers, never a tenant whose key set is in use. With one TTL for every answer, insertion
 * order is expiry order: the oldest answer is the first to expire and the first to go when
 * the cache is full, and expired answers are swept from the front as new ones arrive.
 */
export class UserPoolCache {
  private readonly pools = new Map<string, PoolEntry>();
  /** Issuers the resolver had no pool for, with when that answer expires. */
  private readonly unknown = new Map<string, number>();

  constructor(private readonly options: UserPoolCacheOptions) {}

  /** The pool of `issuer`; `null` when the resolver had none; `undefined` when it must be asked. */
  get(issuer: string, now: number): ResolvedUserPool | null | undefined {
    const entry = this.pools.get(issuer);
    if (entry !== undefined) return now < entry.expiresAt ? entry.pool : undefined;
    const unknownUntil = this.unknown.get(issuer);
    return unknownUntil !== undefined && now < unknownUntil ? null : undefined;
  }

  /** The answer kept for `issuer`, even when it expired (to tell whether a new answer changed it). */
  previous(issuer: string): ResolvedUserPool | undefined {
    return this.pools.get(issuer)?.pool;
  }

  /** Whether `issuer` has a pool whose answer has not expired: a cached token of that pool may be reused. */
  isLive(issuer: string, now: number): boolean {
    const entry = this.pools.get(issuer);
    return entry !== undefined && now < entry.expiresAt;
  }

  /** Keeps `pool` as the answer for its issuer. The caller releases a previous, different pool. */
  setPool(pool: ResolvedUserPool, now: number): void {
    this.unknown.delete(pool.issuer);
    this.pools.delete(pool.issuer);
    this.pools.set(pool.issuer, { pool, expiresAt: now + this.options.ttlMs });
    this.sweepPools(now);
  }

  /** Keeps "no pool" for `issuer`, releasing the pool it had. */
  setNone(issuer: string, now: number): void {
    const entry = this.pools.get(issuer);
    if (entry !== undefined) {
      this.pools.delete(issuer);
      this.options.onRelease(entry.pool);
    }
    this.unknown.delete(issuer);
    this.unknown.set(issuer, now + this.options.ttlMs);
    this.sweepUnknown(now);
  }

  /** How many answers are kept, for tests and diagnostics. */
  get size(): { readonly pools: number; readonly unknown: number } {
    return { pools: this.pools.size, unknown: this.unknown.size };
  }

  /** Drops every answer, releasing every pool (the module is shutting down). */
  clear(): void {
    for (const { pool } of this.pools.values()) this.options.onRelease(pool);
    this.pools.clear();
    this.unknown.clear();
  }

  private sweepPools(now: number): void {
    for (const [issuer, entry] of this.pools) {
      if (this.pools.size <= this.options.maxEntries && now < entry.expiresAt) return;
      this.pools.delete(issuer);
      this.options.onRelease(entry.pool);
    }
  }

  private sweepUnknown(now: number): void {
    for (const [issuer, expiresAt] of this.unknown) {
      if (this.unknown.size <= this.options.maxEntries && now < expiresAt) return;
      this.unknown.delete(issuer);
    }
  }
}
