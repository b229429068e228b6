import type { LoggerService } from '@nestjs/common';

/** What happens to requests while the deny-list may be stale (its store reports `isCurrent: false`). */
export type CognitoRevocationFailurePolicy = 'last-known' | 'refuse';

/**
 * The parts of an ioredis client (`Redis`, ioredis 5 or 6) the Redis store uses. The module
 * never imports ioredis: you create the client, pass it in, and close it when your app stops.
 * The store opens one more connection with `duplicate()` for its subscription, and closes it.
 */
export interface CognitoRevocationRedisClient {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  duplicate(): CognitoRevocationRedisConnection;
}

/** The subscriber connection: `duplicate()` of the client given in the options. */
export interface CognitoRevocationRedisConnection {
  readonly status: string;
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  ping(): Promise<unknown>;
  connect(): Promise<void>;
  disconnect(reconnect?: boolean): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The `revocation` option of `CognitoAuthModule.forRoot`. */
export interface CognitoRevocationOptions {
  /**
   * Keep the deny-list in a store of your own (DynamoDB, node-redis, Valkey, …): see "Writing a
   * revocation store" in docs/revocation.md. Not with `redis` or `keyPrefix`, which configure the Redis store.
   */
  store?: CognitoRevocationStore;
  /**
   * Keep the deny-list in this Redis, shared by every instance (an ioredis client). Without it
   * (or `store`) the list lives in this process's memory.
   */
  redis?: CognitoRevocationRedisClient;
  /** Prefix of the Redis key (`<prefix>list`) and channel (`<prefix>events`). Default `cognito-auth:revocations:`. */
  keyPrefix?: string;
  /**
   * While Redis is unreachable: `last-known` (default) keeps checking against the last known
   * list; `refuse` answers 503 with `Retry-After` until the list is reloaded.
   */
  failurePolicy?: CognitoRevocationFailurePolicy;
  /** Most revocations in force at once; further ones are refused until entries expire. Default 100000. */
  maxEntries?: number;
}

/** What can be revoked: the user object (`@CurrentUser()`), or a verified token's claims. */
export type CognitoRevocable =
  { readonly claims: CognitoRevocableClaims; readonly tokenUse: string } | CognitoRevocableClaims;

/** The claims a revocation reads: `origin_jti` (the sign-in), `jti` (the token), `exp`. */
export interface CognitoRevocableClaims {
  readonly exp: number;
  readonly jti?: string;
  readonly origin_jti?: string;
  readonly [claim: string]: unknown;
}

/** One revocation: a sign-in (`session`, by `origin_jti`) or a single token (`token`, by `jti`). */
export interface CognitoRevocationEntry {
  readonly kind: 'session' | 'token';
  /** The `origin_jti` or `jti`: 1 to 256 printable ASCII characters, no spaces. */
  readonly id: string;
  /** Milliseconds since the epoch: the token's `exp` plus `clockTolerance`. Afterwards the token is refused for its `exp`. */
  readonly expiresAtMs: number;
}

/**
 * Where the deny-list is kept. The module reads it on every request through `isRevoked` and
 * `isCurrent`, which must answer from this process's memory, synchronously; `add` may go over
 * the network. Memory (the default) and Redis (`revocation.redis`) are two implementations;
 * `revocation: { store }` takes yours.
 */
export interface CognitoRevocationStore {
  /** A short name for logs, health checks and metrics: `memory`, `redis`, `dynamodb`, … */
  readonly name: string;
  /**
   * Whether the local copy is known to hold every revocation in force (false while the shared
   * list is unreachable, being reloaded, or larger than `maxEntries`). With
   * `failurePolicy: 'refuse'` requests are answered 503 while it is false. Read on every request.
   */
  readonly isCurrent: boolean;
  /** Revocations in force that this process knows of. */
  readonly size: number;
  /** Whether the token's `origin_jti` or `jti` is revoked. Called on every request: no I/O, no promise. */
  isRevoked(claims: CognitoRevocableClaims): boolean;
  /**
   * Stores a revocation: in force in this process at once, and everywhere the store reaches
   * once the promise resolves. Reject with `RevocationUnavailableError` (answered 503 with its
   * `Retry-After`) when it cannot be stored; anything else, or no answer within
   * `callbackTimeoutMs`, is answered 503 too and logged once.
   */
  add(entry: CognitoRevocationEntry): Promise<void>;
  /** Drops the entries whose `expiresAtMs` has passed; called every minute. */
  sweep?(nowMs: number): void;
  /** Called once when the app starts (loading a shared list, subscribing); the start waits 10 s at most. */
  start?(context: CognitoRevocationStoreContext): Promise<void> | void;
  /** Called once when the app stops: close what `start` opened (not clients the app gave you). */
  stop?(): Promise<void> | void;
}

/** What the module hands a store when it starts it. */
export interface CognitoRevocationStoreContext {
  /** `revocation.maxEntries`: keep no more revocations in memory than this. */
  readonly maxEntries: number;
  readonly failurePolicy: CognitoRevocationFailurePolicy;
  /** The module's logger. Never log a token, a `sub` or an id. */
  readonly logger: LoggerService;
  /**
   * Reports a change of the store's state (`connected`, `disconnected`, `stale`, `restored`,
   * `pruned`, …): published on the `nestjs-cognito-auth:revocation` diagnostics channel with the
   * store's `name` and `isCurrent`, for health checks and metrics.
   */
  notify(event: string): void;
}

/** The revocation store's state, as health checks and metrics read it. */
export interface CognitoRevocationState {
  /** The store's name: `memory`, `redis`, or a custom store's. */
  readonly store: string;
  /** Whether the list is known to be complete (the store's `isCurrent`). */
  readonly current: boolean;
  /** Revocations in force that this process knows of. */
  readonly size: number;
}
