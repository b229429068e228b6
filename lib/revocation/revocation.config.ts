import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type {
  CognitoRevocationFailurePolicy,
  CognitoRevocationOptions,
  CognitoRevocationRedisClient,
  CognitoRevocationStore,
} from '../interfaces/cognito-revocation.interface.js';
import { MemoryRevocationStore } from './memory-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';

/** The `revocation` option after validation. */
export interface ResolvedRevocationConfig {
  /** The app's own store, else the Redis store for `redis`, else the memory store. */
  readonly store: CognitoRevocationStore;
  /** The client given as `revocation.redis`, if any (the store above uses it). */
  readonly redis?: CognitoRevocationRedisClient;
  readonly keyPrefix: string;
  readonly failurePolicy: CognitoRevocationFailurePolicy;
  readonly maxEntries: number;
}

export const REVOCATION_DEFAULTS = {
  keyPrefix: 'cognito-auth:revocations:',
  failurePolicy: 'last-known',
  // A bound, so that a flood of sign-outs cannot grow every instance's memory without limit.
  maxEntries: 100_000,
} as const;

const FAILURE_POLICIES: readonly CognitoRevocationFailurePolicy[] = ['last-known', 'refuse'];
const OPTION_NAMES: ReadonlySet<string> = new Set([
  'store',
  'redis',
  'keyPrefix',
  'failurePolicy',
  'maxEntries',
] satisfies (keyof CognitoRevocationOptions)[]);

export function resolveRevocationConfig(options: CognitoRevocationOptions | undefined): ResolvedRevocationConfig {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new CognitoAuthConfigError('revocation must be an object');
  }
  const unknown = Object.keys(options ?? {}).filter((name) => !OPTION_NAMES.has(name));
  if (unknown.length > 0) {
    throw new CognitoAuthConfigError(`unknown option ${unknown.map((name) => `revocation.${name}`).join(', ')}`);
  }
  const {
    store,
    redis,
    keyPrefix = REVOCATION_DEFAULTS.keyPrefix,
    failurePolicy = REVOCATION_DEFAULTS.failurePolicy,
  } = options ?? {};
  const maxEntries = options?.maxEntries ?? REVOCATION_DEFAULTS.maxEntries;
  if (store !== undefined && (redis !== undefined || options?.keyPrefix !== undefined)) {
    throw new CognitoAuthConfigError(
      'give either revocation.store or revocation.redis: redis and keyPrefix configure the built-in Redis store',
    );
  }
  if (redis !== undefined && !isRedisClient(redis)) {
    throw new CognitoAuthConfigError('revocation.redis must be an ioredis client (with call() and duplicate())');
  }
  if (typeof keyPrefix !== 'string' || keyPrefix === '') {
    throw new CognitoAuthConfigError('revocation.keyPrefix must be a non-empty string');
  }
  if (!FAILURE_POLICIES.includes(failurePolicy)) {
    throw new CognitoAuthConfigError(`revocation.failurePolicy must be one of ${FAILURE_POLICIES.join(', ')}`);
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new CognitoAuthConfigError('revocation.maxEntries must be an integer >= 1');
  }
  return {
    store: store === undefined ? builtInStore(redis, { keyPrefix, failurePolicy, maxEntries }) : checkedStore(store),
    redis,
    keyPrefix,
    failurePolicy,
    maxEntries,
  };
}

function builtInStore(
  redis: CognitoRevocationRedisClient | undefined,
  options: Omit<ResolvedRevocationConfig, 'store' | 'redis'>,
): CognitoRevocationStore {
  return redis ? new RedisRevocationStore(redis, options) : new MemoryRevocationStore(options.maxEntries);
}

function checkedStore(store: CognitoRevocationStore): CognitoRevocationStore {
  const candidate = (typeof store === 'object' && store !== null ? store : {}) as unknown as Record<string, unknown>;
  const isMethod = (name: string) => typeof candidate[name] === 'function';
  const wrong = [
    ...['isRevoked', 'add'].filter((name) => !isMethod(name)),
    ...['sweep', 'start', 'stop'].filter((name) => candidate[name] !== undefined && !isMethod(name)),
  ];
  if (wrong.length > 0) {
    throw new CognitoAuthConfigError(
      `revocation.store must implement CognitoRevocationStore (${wrong.map((name) => `${name}()`).join(', ')})`,
    );
  }
  if (typeof candidate.name !== 'string' || candidate.name === '') {
    throw new CognitoAuthConfigError('revocation.store needs a name (a non-empty string, e.g. "dynamodb")');
  }
  return store;
}

function isRedisClient(value: unknown): value is CognitoRevocationRedisClient {
  const client = value as Partial<CognitoRevocationRedisClient> | null;
  return typeof client?.call === 'function' && typeof client.duplicate === 'function';
}
