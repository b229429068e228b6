import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type {
  CognitoRevocationFailurePolicy,
  CognitoRevocationOptions,
  CognitoRevocationRedisClient,
} from '../interfaces/cognito-revocation.interface.js';

/** The `revocation` option after validation. */
export interface ResolvedRevocationConfig {
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

export function resolveRevocationConfig(options: CognitoRevocationOptions | undefined): ResolvedRevocationConfig {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new CognitoAuthConfigError('revocation must be an object');
  }
  const {
    redis,
    keyPrefix = REVOCATION_DEFAULTS.keyPrefix,
    failurePolicy = REVOCATION_DEFAULTS.failurePolicy,
  } = options ?? {};
  const maxEntries = options?.maxEntries ?? REVOCATION_DEFAULTS.maxEntries;
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
  return { redis, keyPrefix, failurePolicy, maxEntries };
}

function isRedisClient(value: unknown): value is CognitoRevocationRedisClient {
  const client = value as Partial<CognitoRevocationRedisClient> | null;
  return typeof client?.call === 'function' && typeof client.duplicate === 'function';
}
