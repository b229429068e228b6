/** Injection token of the options given to `forRoot` / `forRootAsync`. */
export const COGNITO_AUTH_OPTIONS = Symbol('COGNITO_AUTH_OPTIONS');
/** Injection token of the validated, normalised configuration. */
export const COGNITO_AUTH_CONFIG = Symbol('COGNITO_AUTH_CONFIG');

/** Name under which the Passport JWT strategy is registered. */
export const COGNITO_JWT_STRATEGY = 'cognito-jwt';

export const IS_PUBLIC_KEY = 'cognito-auth:is-public';
export const REQUIRED_GROUPS_KEY = 'cognito-auth:groups';
export const REQUIRED_SCOPES_KEY = 'cognito-auth:scopes';
export const REQUIRED_ALL_GROUPS_KEY = 'cognito-auth:all-groups';
export const EXCLUDED_GROUPS_KEY = 'cognito-auth:excluded-groups';
export const REQUIRED_CLAIMS_KEY = 'cognito-auth:claims';
export const POLICIES_KEY = 'cognito-auth:policies';
export const TOKEN_USE_KEY = 'cognito-auth:token-use';
export const USER_POOLS_KEY = 'cognito-auth:user-pools';

export const RS256 = 'RS256';

export const DEFAULTS = {
  tokenUse: 'access',
  clockToleranceSeconds: 5,
  maxTokenLength: 16_384,
  jwksTimeoutMs: 5_000,
  jwksRefetchIntervalMs: 10_000,
  jwksMaxAgeMs: 3_600_000,
  preloadKeys: 'off',
  tokenCacheMaxEntries: 10_000,
  callbackTimeoutMs: 5_000,
  transformUserMaxAgeMs: 300_000,
  transformUserTimeoutMs: 5_000,
  userPoolCacheTtlMs: 300_000,
  userPoolCacheMaxEntries: 10_000,
  userPoolResolveTimeoutMs: 5_000,
} as const;
