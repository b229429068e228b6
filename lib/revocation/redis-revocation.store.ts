import { Logger, type LoggerService } from '@nestjs/common';
import { RevocationUnavailableError } from '../errors/cognito-auth.errors.js';
import { withTimeout } from '../errors/with-timeout.js';
import type {
  CognitoRevocableClaims,
  CognitoRevocationFailurePolicy,
  CognitoRevocationRedisClient,
  CognitoRevocationRedisConnection,
  CognitoRevocationStore,
  CognitoRevocationStoreContext,
} from '../interfaces/cognito-revocation.interface.js';
import { listFullError } from './memory-revocation.store.js';
import { type RevocationEntry, type RevocationKind, RevocationList } from './revocation-list.js';

/** How often the subscriber connection is pinged, so a silently dead one is noticed. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/** No answer to a ping for this long: the subscription is presumed lost and reconnected. */
const HEARTBEAT_TIMEOUT_MS = 3_000;
/** A write or a load waits no longer: a caller of `revoke()` is never held up by a hung Redis. */
const COMMAND_TIMEOUT_MS = 2_000;
/** Pause between two attempts to reload the list while Redis answers badly. */
const RESYNC_RETRY_MS = 1_000;
/** The longest the application's start waits for the first load. */
const STARTUP_WAIT_MS = 3_000;
/** What a refused client is told: about one reconnection attempt plus a reload. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 5;
/** Entries written back in one script call after a reconnection. */
const WRITE_BATCH = 500;
/**
 * How often Redis's copy is audited: its expired entries are dropped, and a list it lost
 * without a reconnection (`FLUSHALL`, `DEL`, eviction) is noticed and written back.
 */
const AUDIT_INTERVAL_MS = 500;
/** While the local copy is full and misses entries Redis holds, it is reloaded at most this often. */
const INCOMPLETE_RETRY_MS = 5_000;

/**
 * Adds entries to the sorted set (member `s:<origin_jti>` or `t:<jti>`, score = expiry in ms;
 * an existing entry is only ever extended), drops the expired ones, makes the key itself
 * expire with its last entry, and announces the entries on the channel. One script, so the
 * list and the announcement cannot disagree.
 */
const ADD_SCRIPT = `
local key, channel, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local lines = {}
for i = 3, #ARGV, 2 do
  local expires, member = tonumber(ARGV[i]), ARGV[i + 1]
  local known = redis.call('ZSCORE', key, member)
  if not known or tonumber(known) < expires then
    redis.call('ZADD', key, ARGV[i], member)
  end
  lines[#lines + 1] = ARGV[i] .. ' ' .. member
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', key, last[2]) end
redis.call('PUBLISH', channel, table.concat(lines, '\\n'))
return #lines
`;

/** Drops the expired entries and counts those in force. */
const AUDIT_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;

export interface RedisRevocationStoreOptions {
  readonly keyPrefix: string;
  readonly maxEntries: number;
  readonly failurePolicy: CognitoRevocationFailurePolicy;
}

/**
 * The deny-list in Redis, shared by every instance, with a local mirror that every request
 * reads. The mirror is loaded at start-up and after every reconnection (catching up with what
 * was revoked meanwhile), and learns new revocations through pub/sub. Entries this instance
 * holds but Redis lacks (a Redis restarted without persistence, a write that failed, a list
 * flushed, deleted or evicted) are written back when Redis answers again, or as soon as an
 * audit notices the loss. Revocations are never undone, so the mirror only grows by merging
 * and shrinks when tokens expire. Like local revocations, entries learned from Redis stop at
 * `maxEntries`: a mirror that had to drop some is not current until it could load them all.
 */
export class RedisRevocationStore implements CognitoRevocationStore {
  readonly name = 'redis';
  private readonly list = new RevocationList();
  private logger: LoggerService = new Logger('CognitoAuth');
  private notify: CognitoRevocationStoreContext['notify'] = () => undefined;
  private readonly key: string;
  private readonly channel: string;
  private subscriber?: CognitoRevocationRedisConnection;
  private current = false;
  /** Counts the subscriber's disconnections: a reload that straddles one proves nothing. */
  private epoch = 0;
  private resyncing = false;
  private resyncTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private auditTimer?: NodeJS.Timeout;
  private auditing = false;
  /** Redis held more entries than the mirror at the last audit (a message may just be in flight). */
  private redisHadMore = false;
  /** Writes of this instance not yet answered: until then Redis may rightly hold fewer entries. */
  private writesInFlight = 0;
  /** Entries from Redis were dropped because the mirror was full. */
  private incomplete = false;
  private lastIncompleteLoadAtMs = 0;
  private reportedIncomplete = false;
  private pingInFlight = false;
  private lastPongAtMs = 0;
  /** Whether a problem is being reported, so an outage is logged once, not per retry. */
  private troubled = false;
  private stopped = false;
  private startupSettled?: () => void;

  constructor(
    private readonly client: CognitoRevocationRedisClient,
    private readonly options: RedisRevocationStoreOptions,
  ) {
    this.key = `${options.keyPrefix}list`;
    this.channel = `${options.keyPrefix}events`;
  }

  get isCurrent(): boolean {
    return this.current;
  }

  get size(): number {
    return this.list.size;
  }

  isRevoked(claims: CognitoRevocableClaims): boolean {
    return this.list.isRevoked(claims);
  }

  /**
   * In force here at once; resolves when Redis has it (and so every instance within a moment).
   * If Redis cannot be reached it rejects with `RevocationUnavailableError`, and the entry is
   * written when Redis answers again.
   */
  async add(entry: RevocationEntry): Promise<void> {
    if (!this.list.tryAdd(entry, this.options.maxEntries, Date.now())) throw listFullError(this.options.maxEntries);
    this.writesInFlight++;
    try {
      await withTimeout(this.write([entry]), COMMAND_TIMEOUT_MS, commandTimedOut);
    } catch (error) {
      this.report('could not store a revocation in Redis', error);
      this.scheduleResync();
      throw new RevocationUnavailableError(
        UNREACHABLE_RETRY_AFTER_SECONDS,
        'The revocation applies on this instance, but Redis could not be reached to share it; it is written when Redis answers again',
      );
    } finally {
      this.writesInFlight--;
    }
  }

  sweep(nowMs: number): void {
    const before = this.list.size;
    this.list.sweep(nowMs);
    if (this.list.size < before) this.notify('pruned');
  }

  async start(context: CognitoRevocationStoreContext): Promise<void> {
    this.logger = context.logger;
    this.notify = context.notify;
    const subscriber = this.client.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', this.onMessage);
    subscriber.on('ready', this.onReady);
    subscriber.on('close', this.onClose);
    subscriber.on('error', this.onError);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
    this.auditTimer = setInterval(() => this.audit(), AUDIT_INTERVAL_MS);
    this.auditTimer.unref();
    const started = new Promise<void>((resolve) => (this.startupSettled = resolve));
    const waited = setTimeout(() => this.settleStartup(), STARTUP_WAIT_MS);
    if (subscriber.status === 'wait')
      subscriber.connect().catch(() => undefined); // a lazyConnect client
    else if (subscriber.status === 'ready') this.onReady();
    await started;
    clearTimeout(waited);
    if (!this.current) {
      this.logger.warn(
        `Revocation list: Redis could not be loaded at start-up; ${this.whileStale()}, and reloads when Redis answers`,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current = false;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.auditTimer);
    clearTimeout(this.resyncTimer);
    this.settleStartup();
    const subscriber = this.subscriber;
    if (!subscriber) return;
    subscriber.removeListener('message', this.onMessage);
    subscriber.removeListener('ready', this.onReady);
    subscriber.removeListener('close', this.onClose);
    // An error listener stays: ioredis reports errors without one as "Unhandled error event".
    subscriber.disconnect();
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel || typeof message !== 'string') return;
    const nowMs = Date.now();
    for (const line of message.split('\n')) {
      const space = line.indexOf(' ');
      const entry = space > 0 ? toEntry(line.slice(space + 1), line.slice(0, space)) : undefined;
      if (entry && entry.expiresAtMs > nowMs) this.learn(entry, nowMs);
    }
  };

  private readonly onReady = (): void => {
    this.lastPongAtMs = Date.now();
    this.resync();
  };

  private readonly onClose = (): void => {
    this.epoch++;
    const wasCurrent = this.current;
    this.current = false;
    if (wasCurrent && !this.stopped) {
      this.notify('disconnected');
      this.troubled = true;
      this.logger.warn(`Revocation list: lost the connection to Redis; ${this.whileStale()}, and reconnects`);
    }
    this.settleStartup();
  };

  private readonly onError = (error: unknown): void => {
    if (!this.stopped) this.report('Redis connection error', error);
    if (!this.current) this.settleStartup();
  };

  /** Subscribes, loads the list, merges it and writes back what Redis lacks; then the mirror is current. */
  private resync(): void {
    if (this.resyncing || this.stopped) return;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    this.resyncing = true;
    const epoch = this.epoch;
    this.load().then(
      () => {
        this.resyncing = false;
        if (this.stopped) return;
        if (epoch !== this.epoch) {
          if (this.subscriber?.status === 'ready') this.resync();
          return;
        }
        const wasCurrent = this.current;
        this.current = !this.incomplete;
        if (this.current) this.reportedIncomplete = false;
        if (this.current && !wasCurrent) this.notify('connected');
        this.lastPongAtMs = Date.now();
        if (this.troubled) {
          this.troubled = false;
          this.logger.log(`Revocation list: Redis is back; ${this.list.size} revocations in force`);
        }
        this.settleStartup();
      },
      (error: unknown) => {
        this.resyncing = false;
        if (this.stopped) return;
        this.report('could not load the revocation list from Redis', error);
        this.settleStartup();
        this.scheduleResync();
      },
    );
  }

  private async load(): Promise<void> {
    const subscriber = this.subscriber!;
    // Subscribed before loading: whatever is revoked from now on arrives as a message.
    await withTimeout(subscriber.subscribe(this.channel), COMMAND_TIMEOUT_MS, commandTimedOut);
    const nowMs = Date.now();
    const reply = await withTimeout(
      this.client.call('ZRANGEBYSCORE', this.key, `(${nowMs}`, '+inf', 'WITHSCORES'),
      COMMAND_TIMEOUT_MS,
      commandTimedOut,
    );
    this.incomplete = false;
    const inRedis = new Set<string>();
    for (const [member, score] of scorePairs(reply)) {
      const entry = toEntry(member, score);
      if (!entry) continue;
      inRedis.add(memberOf(entry));
      this.learn(entry, nowMs);
    }
    const missing = [...this.list.entries()].filter(
      (entry) => entry.expiresAtMs > nowMs && !inRedis.has(memberOf(entry)),
    );
    for (let start = 0; start < missing.length; start += WRITE_BATCH) {
      await withTimeout(this.write(missing.slice(start, start + WRITE_BATCH)), COMMAND_TIMEOUT_MS, commandTimedOut);
    }
    if (missing.length === 0) return;
    // Redis lost them (flushed, deleted, evicted, restarted empty) or a write failed: whole again.
    this.notify('restored');
    this.logger.warn(`Revocation list: Redis lacked ${missing.length} revocations in force; written back`);
  }

  /** An entry from Redis, kept like a local revocation: never past `maxEntries`, never evicting one. */
  private learn(entry: RevocationEntry, nowMs: number): void {
    if (this.list.tryAdd(entry, this.options.maxEntries, nowMs) || this.incomplete) return;
    this.incomplete = true;
    this.lastIncompleteLoadAtMs = nowMs;
    if (this.current) {
      this.current = false;
      this.notify('stale');
    }
    if (this.reportedIncomplete) return;
    this.reportedIncomplete = true;
    this.logger.warn(
      `Revocation list: it holds its maximum of ${this.options.maxEntries} revocations and Redis has more; ${this.whileStale()} until entries expire`,
    );
  }

  /**
   * Prunes Redis's expired entries and compares its count with the mirror's. Fewer in Redis:
   * it lost entries without a reconnection, so the list is reloaded and written back. More in
   * Redis twice in a row (once may be a message in flight): the mirror missed some, reloaded.
   */
  private audit(): void {
    if (this.stopped || this.auditing || this.resyncing || this.writesInFlight > 0) return;
    if (this.subscriber?.status !== 'ready') return;
    const nowMs = Date.now();
    this.sweep(nowMs);
    if (this.incomplete) {
      const hasRoom = this.list.size < this.options.maxEntries;
      if (hasRoom && nowMs - this.lastIncompleteLoadAtMs >= INCOMPLETE_RETRY_MS) this.resync();
      return;
    }
    const expected = this.current ? this.list.size : undefined;
    this.auditing = true;
    withTimeout(this.client.call('EVAL', AUDIT_SCRIPT, 1, this.key, nowMs), COMMAND_TIMEOUT_MS, commandTimedOut).then(
      (reply) => {
        this.auditing = false;
        if (expected === undefined || !this.current || this.stopped) return;
        const inRedis = Number(reply);
        const redisHadMore = inRedis > expected;
        if (inRedis < expected || (redisHadMore && this.redisHadMore)) this.resync();
        this.redisHadMore = redisHadMore && !this.resyncing;
      },
      () => {
        this.auditing = false;
      },
    );
  }

  private write(entries: readonly RevocationEntry[]): Promise<unknown> {
    const args: Array<string | number> = [];
    for (const entry of entries) args.push(Math.ceil(entry.expiresAtMs), memberOf(entry));
    return this.client.call('EVAL', ADD_SCRIPT, 1, this.key, this.channel, Date.now(), ...args);
  }

  private scheduleResync(): void {
    if (this.stopped || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      // Not connected: the next 'ready' reloads.
      if (this.subscriber?.status === 'ready') this.resync();
    }, RESYNC_RETRY_MS);
    this.resyncTimer.unref();
  }

  private heartbeat(): void {
    const subscriber = this.subscriber;
    if (this.stopped || !subscriber || subscriber.status !== 'ready') return;
    if (this.current && Date.now() - this.lastPongAtMs > HEARTBEAT_TIMEOUT_MS) {
      this.current = false;
      this.notify('stale');
      this.troubled = true;
      this.logger.warn(`Revocation list: Redis stopped answering; ${this.whileStale()}, and reconnects`);
      subscriber.disconnect(true);
      return;
    }
    if (this.pingInFlight) return;
    this.pingInFlight = true;
    subscriber.ping().then(
      () => {
        this.pingInFlight = false;
        this.lastPongAtMs = Date.now();
      },
      () => {
        this.pingInFlight = false;
      },
    );
  }

  private whileStale(): string {
    const known = `${this.list.size} revocations known`;
    return this.options.failurePolicy === 'refuse'
      ? `requests are answered 503 until it is reloaded (${known})`
      : `checking against the last known list (${known})`;
  }

  /** Logs the first problem of an outage; the reason is Redis's or the socket's message, never a token. */
  private report(what: string, error: unknown): void {
    if (this.troubled) return;
    this.troubled = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Revocation list: ${what} (${reason.slice(0, 200)}); ${this.whileStale()}`);
  }

  private settleStartup(): void {
    this.startupSettled?.();
    this.startupSettled = undefined;
  }
}

const MEMBER_PREFIXES: Record<RevocationKind, string> = { session: 's:', token: 't:' };

function memberOf(entry: RevocationEntry): string {
  return MEMBER_PREFIXES[entry.kind] + entry.id;
}

/** Members written by this store, and nothing else that might sit under the same key or channel. */
function toEntry(member: unknown, score: unknown): RevocationEntry | undefined {
  if (typeof member !== 'string' || member.length < 3) return undefined;
  const kind = member.startsWith('s:') ? 'session' : member.startsWith('t:') ? 'token' : undefined;
  const expiresAtMs = Number(score);
  if (!kind || !Number.isFinite(expiresAtMs)) return undefined;
  return { kind, id: member.slice(2), expiresAtMs };
}

/** `ZRANGEBYSCORE … WITHSCORES`: a flat list over RESP2, a list of pairs over RESP3. */
function scorePairs(reply: unknown): Array<[unknown, unknown]> {
  if (!Array.isArray(reply)) return [];
  if (reply.every((item) => Array.isArray(item))) return reply.map((pair: unknown[]) => [pair[0], pair[1]]);
  const pairs: Array<[unknown, unknown]> = [];
  for (let index = 0; index + 1 < reply.length; index += 2) pairs.push([reply[index], reply[index + 1]]);
  return pairs;
}

function commandTimedOut(): Error {
  return new Error(`Redis did not answer within ${COMMAND_TIMEOUT_MS} ms`);
}
