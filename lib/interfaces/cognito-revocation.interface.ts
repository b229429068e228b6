/** What happens to requests while the Redis deny-list may be stale (Redis unreachable). */
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
   * Keep the deny-list in this Redis, shared by every instance (an ioredis client). Without it
   * the list lives in this process's memory.
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
