import { DEFAULTS } from './cognito-auth.constants.js';
import { CognitoAuthConfigError } from './errors/cognito-auth.errors.js';
import { toRsaSigningKeys } from './jwks/rsa-signing-keys.js';
import type { CognitoKeyOverride } from './jwks/key-overrides.js';
import { isLoopbackHost } from './loopback-host.js';
import { type ResolvedMetricsConfig, resolveMetricsConfig } from './observability/metrics.config.js';
import { POOL_OPTION_NAMES, unknownOptionNames } from './option-names.js';
import { type ResolvedRevocationConfig, resolveRevocationConfig } from './revocation/revocation.config.js';
import { type AuthorizationRules, resolveFallbackPolicy } from './policies/authorization-rules.js';
import { COOKIE_NAME } from './token/token-sources.js';
import type {
  CognitoAuthOptions,
  CognitoCustomCheckContext,
  CognitoPreloadKeys,
  CognitoTokenExtractor,
  CognitoTokenUse,
  CognitoUserPoolOptions,
  CognitoUserPoolResolver,
} from './interfaces/cognito-auth-options.interface.js';

/** One accepted pool, validated and normalised. */
export interface ResolvedUserPool {
  readonly userPoolId: string;
  readonly region: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly tokenUse: CognitoTokenUse;
  readonly clientIds: ReadonlySet<string>;
  readonly resourceAudiences: ReadonlySet<string>;
  /** The key set given in the options, if any: then nothing is downloaded. */
  readonly jwks?: { readonly keys: readonly unknown[] };
}

/** The module's configuration after validation: what every other part reads. */
export interface CognitoAuthConfig {
  /** Pools by issuer: the token's `iss` picks its pool, and so its key set. Empty with a resolver. */
  readonly poolsByIssuer: ReadonlyMap<string, ResolvedUserPool>;
  /** The app's `userPools` resolver (many pools, one per tenant), and how its answers are validated. */
  readonly userPoolResolver?: UserPoolResolverConfig;
  readonly clockToleranceSeconds: number;
  readonly maxTokenLength: number;
  readonly jwksTimeoutMs: number;
  readonly jwksRefetchIntervalMs: number;
  readonly jwksMaxAgeMs: number;
  readonly preloadKeys: CognitoPreloadKeys;
  readonly tokenCacheMaxEntries: number;
  readonly customCheck?: (context: CognitoCustomCheckContext) => void | Promise<void>;
  /** How long the app's own code (custom check, policies) may take before a 503. */
  readonly callbackTimeoutMs: number;
  /** Makes the app's principal from a verified user (a function, or a class resolved at start-up). */
  readonly transformUser?: CognitoAuthOptions['transformUser'];
  readonly transformUserMaxAgeMs: number;
  readonly transformUserTimeoutMs: number;
  readonly revocation: ResolvedRevocationConfig;
  /** The rules of routes that have none of their own (validated `fallbackPolicy`). */
  readonly fallbackPolicy?: AuthorizationRules;
  /** Also read the token from this cookie; the header wins. */
  readonly tokenCookie?: string;
  /** Replaces the built-in token sources. */
  readonly tokenExtractor?: CognitoTokenExtractor;
  /** `false`, or where the OpenTelemetry metrics go (the global meter provider unless one is given). */
  readonly metrics: ResolvedMetricsConfig;
}

/** A `userPools` resolver and what it needs. */
export interface UserPoolResolverConfig {
  readonly resolve: CognitoUserPoolResolver;
  /** Validates an answer like a pool of the options (the testing kit's key overrides applied); throws if it is not one. */
  readonly validate: (answer: CognitoUserPoolOptions) => ResolvedUserPool;
  /** Issuers asked about besides Cognito's forms. */
  readonly issuerPattern?: RegExp;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly resolveTimeoutMs: number;
}

const TOKEN_USES: readonly CognitoTokenUse[] = ['access', 'id', 'any'];
const PRELOAD_MODES: readonly CognitoPreloadKeys[] = ['off', 'best-effort', 'required'];
const USER_POOL_ID = /^[A-Za-z0-9-]+_[A-Za-z0-9]+$/;
const REGION = /^[a-z0-9-]+$/;
/** What an AWS region looks like (`eu-west-1`, `us-gov-west-1`), as opposed to an emulator's `local`. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `keyOverrides`: the testing kit's keys for some pools (see `COGNITO_KEY_OVERRIDES`). */
export function resolveCognitoAuthConfig(
  options: CognitoAuthOptions,
  keyOverrides: readonly CognitoKeyOverride[] = [],
): CognitoAuthConfig {
  if (!options || typeof options !== 'object') {
    throw new CognitoAuthConfigError('options are required: forRoot({ region, userPoolId, clientId })');
  }
  requireKnownNames(options, 'module', '');
  const userPoolResolver = readUserPoolResolver(options, keyOverrides);
  const pools = listPools(options).map((pool, index) =>
    resolvePool(pool, options.userPools === undefined ? '' : `userPools[${index}].`),
  );
  const poolsByIssuer = new Map<string, ResolvedUserPool>();
  for (const pool of pools) {
    if (poolsByIssuer.has(pool.issuer)) {
      throw new CognitoAuthConfigError(`two user pools have the issuer ${pool.issuer}`);
    }
    poolsByIssuer.set(pool.issuer, pool);
  }
  if (!userPoolResolver) for (const override of keyOverrides) applyKeyOverride(poolsByIssuer, override);
  if (options.customCheck !== undefined && typeof options.customCheck !== 'function') {
    throw new CognitoAuthConfigError('customCheck must be a function');
  }
  return {
    poolsByIssuer,
    userPoolResolver,
    clockToleranceSeconds: readNumber(options, 'clockTolerance', DEFAULTS.clockToleranceSeconds, 0),
    maxTokenLength: readNumber(options, 'maxTokenLength', DEFAULTS.maxTokenLength, 64),
    jwksTimeoutMs: readTimeout(options, 'jwksTimeoutMs', DEFAULTS.jwksTimeoutMs),
    jwksRefetchIntervalMs: readNumber(options, 'jwksRefetchIntervalMs', DEFAULTS.jwksRefetchIntervalMs, 0),
    jwksMaxAgeMs: readNumber(options, 'jwksMaxAgeMs', DEFAULTS.jwksMaxAgeMs, 1),
    preloadKeys: readChoice(options.preloadKeys, PRELOAD_MODES, DEFAULTS.preloadKeys, 'preloadKeys'),
    tokenCacheMaxEntries: readNumber(options, 'tokenCacheMaxEntries', DEFAULTS.tokenCacheMaxEntries, 0),
    customCheck: options.customCheck,
    callbackTimeoutMs: readTimeout(options, 'callbackTimeoutMs', DEFAULTS.callbackTimeoutMs),
    transformUser: readTransformUser(options.transformUser),
    transformUserMaxAgeMs: readNumber(options, 'transformUserMaxAgeMs', DEFAULTS.transformUserMaxAgeMs, 0),
    transformUserTimeoutMs: readTimeout(options, 'transformUserTimeoutMs', DEFAULTS.transformUserTimeoutMs),
    revocation: resolveRevocationConfig(options.revocation),
    fallbackPolicy: resolveFallbackPolicy(options.fallbackPolicy),
    ...readTokenSources(options),
    metrics: resolveMetricsConfig(options.metrics),
  };
}

function readTokenSources(options: CognitoAuthOptions): Pick<CognitoAuthConfig, 'tokenCookie' | 'tokenExtractor'> {
  const { tokenCookie, tokenExtractor } = options;
  if (tokenCookie !== undefined && (typeof tokenCookie !== 'string' || !COOKIE_NAME.test(tokenCookie))) {
    throw new CognitoAuthConfigError("tokenCookie must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
  }
  if (tokenExtractor !== undefined && typeof tokenExtractor !== 'function') {
    throw new CognitoAuthConfigError('tokenExtractor must be a function');
  }
  if (tokenCookie !== undefined && tokenExtractor !== undefined) {
    throw new CognitoAuthConfigError(
      'give either tokenCookie or tokenExtractor: a custom extractor replaces the built-in sources (call tokenFromRequest(request, { cookie }) in it to keep them)',
    );
  }
  return { tokenCookie, tokenExtractor };
}

/** A typo in an option name would otherwise be ignored, silently weakening or breaking the set-up. */
function requireKnownNames(options: object, scope: 'module' | 'pool', path: string): void {
  const unknown = unknownOptionNames(options, scope);
  if (unknown.length === 0) return;
  const names = unknown.map((name) => `${path}${name}`).join(', ');
  throw new CognitoAuthConfigError(`unknown option${unknown.length > 1 ? 's' : ''} ${names}`);
}

/**
 * Takes one pool's keys from the testing kit: only the key source changes, so tests run under
 * the app's own rules. A kit that impersonates none of the app's pools is a mistake in the test.
 */
function applyKeyOverride(pools: Map<string, ResolvedUserPool>, override: CognitoKeyOverride): void {
  const pool = pools.get(override.issuer);
  if (!pool) {
    throw new CognitoAuthConfigError(
      `the testing kit's pool (issuer ${override.issuer}) is none of the app's pools (issuers: ${[...pools.keys()].join(', ')}): create the kit with the app's userPoolId, and its issuer if the app sets one`,
    );
  }
  if (override.jwks === undefined) requireSafeJwksUri(override.jwksUri ?? '', pool.userPoolId);
  else requireUsableKeySet(override.jwks, pool.userPoolId);
  pools.set(pool.issuer, { ...pool, jwksUri: override.jwksUri ?? pool.jwksUri, jwks: override.jwks });
}

/**
 * `userPools` as a function: pools are found per issuer when tokens arrive. The options of a
 * single pool cannot be mixed with it, and the resolver-only options need it.
 */
function readUserPoolResolver(
  options: CognitoAuthOptions,
  keyOverrides: readonly CognitoKeyOverride[],
): UserPoolResolverConfig | undefined {
  const resolve = options.userPools;
  if (typeof resolve !== 'function') {
    const stray = RESOLVER_OPTIONS.filter((name) => options[name] !== undefined);
    if (stray.length > 0) {
      const verb = stray.length > 1 ? 'need' : 'needs';
      throw new CognitoAuthConfigError(`${stray.join(', ')} ${verb} a userPools resolver (a function)`);
    }
    return undefined;
  }
  const poolFields = POOL_OPTION_NAMES.filter((name) => options[name] !== undefined);
  if (poolFields.length > 0) {
    throw new CognitoAuthConfigError(
      `give either a userPools resolver or the fields of one pool (${poolFields.join(', ')}), not both`,
    );
  }
  const { issuerPattern } = options;
  if (issuerPattern !== undefined && !(issuerPattern instanceof RegExp)) {
    throw new CognitoAuthConfigError('issuerPattern must be a RegExp');
  }
  const overrides = new Map(keyOverrides.map((override) => [override.issuer, override]));
  return {
    resolve,
    validate: (answer) => {
      requireKnownNames(answer ?? {}, 'pool', 'userPools resolver answer: ');
      const pool = resolvePool(answer, 'userPools resolver answer: ');
      const override = overrides.get(pool.issuer);
      return override ? { ...pool, jwksUri: override.jwksUri ?? pool.jwksUri, jwks: override.jwks } : pool;
    },
    issuerPattern,
    cacheTtlMs: readNumber(options, 'userPoolCacheTtlMs', DEFAULTS.userPoolCacheTtlMs, 1),
    cacheMaxEntries: readNumber(options, 'userPoolCacheMaxEntries', DEFAULTS.userPoolCacheMaxEntries, 1),
    resolveTimeoutMs: readTimeout(options, 'userPoolResolveTimeoutMs', DEFAULTS.userPoolResolveTimeoutMs),
  };
}

const RESOLVER_OPTIONS = [
  'issuerPattern',
  'userPoolCacheTtlMs',
  'userPoolCacheMaxEntries',
  'userPoolResolveTimeoutMs',
] as const satisfies readonly (keyof CognitoAuthOptions)[];

function listPools(options: CognitoAuthOptions): CognitoUserPoolOptions[] {
  if (typeof options.userPools === 'function') return [];
  if (options.userPools !== undefined) {
    if (options.userPoolId !== undefined) {
      throw new CognitoAuthConfigError('give either userPools or userPoolId, not both');
    }
    if (!Array.isArray(options.userPools) || options.userPools.length === 0) {
      throw new CognitoAuthConfigError('userPools must be a non-empty array');
    }
    options.userPools.forEach((pool, index) => {
      if (pool && typeof pool === 'object') requireKnownNames(pool, 'pool', `userPools[${index}].`);
    });
    return options.userPools;
  }
  return [options as CognitoUserPoolOptions];
}

/** `path` locates the pool in the options (`userPools[1].`), so that errors name the option as written. */
function resolvePool(pool: CognitoUserPoolOptions, path: string): ResolvedUserPool {
  if (!pool || typeof pool !== 'object') {
    throw new CognitoAuthConfigError(`${path.slice(0, -1)} must be an object`);
  }
  const userPoolId = pool.userPoolId;
  if (typeof userPoolId !== 'string' || !USER_POOL_ID.test(userPoolId)) {
    throw new CognitoAuthConfigError(
      `${path}userPoolId is missing or malformed (expected "<region>_<id>", got ${JSON.stringify(userPoolId)})`,
    );
  }
  const region = readRegion(pool, userPoolId, path);
  const issuer = pool.issuer ?? defaultIssuer(pool, region, userPoolId);
  requireUrl(issuer, 'issuer', userPoolId);
  const jwksUri = pool.jwksUri ?? `${issuer}/.well-known/jwks.json`;
  if (pool.jwks === undefined) requireSafeJwksUri(jwksUri, userPoolId);
  else requireUsableKeySet(pool.jwks, userPoolId);
  return {
    userPoolId,
    region,
    issuer,
    jwksUri,
    tokenUse: readChoice(pool.tokenUse, TOKEN_USES, DEFAULTS.tokenUse, 'tokenUse'),
    clientIds: readClientIds(pool),
    resourceAudiences: new Set(readStrings(pool.resourceAudiences ?? [], 'resourceAudiences', userPoolId)),
    jwks: pool.jwks,
  };
}

/**
 * The region of a pool: the prefix of a Cognito pool id is its region, so a `region` that says
 * otherwise is a mistake that would refuse every token (the issuer would be wrong). Emulators'
 * pool ids (`local_…`) have no region prefix and take any region.
 */
function readRegion(pool: CognitoUserPoolOptions, userPoolId: string, path: string): string {
  const prefix = userPoolId.slice(0, userPoolId.indexOf('_'));
  const region = pool.region ?? prefix;
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new CognitoAuthConfigError(`${path}region is malformed for pool ${userPoolId}`);
  }
  if (region !== prefix && AWS_REGION.test(prefix)) {
    throw new CognitoAuthConfigError(
      `${path}region "${region}" contradicts ${path}userPoolId "${userPoolId}", a pool of ${prefix}: remove region or correct it`,
    );
  }
  return region;
}

function requireUsableKeySet(jwks: unknown, userPoolId: string): void {
  try {
    toRsaSigningKeys((jwks as { keys?: unknown } | null)?.keys);
  } catch (error) {
    throw new CognitoAuthConfigError(
      `jwks is not a usable key set for pool ${userPoolId}: ${(error as Error).message}`,
    );
  }
}

function defaultIssuer(pool: CognitoUserPoolOptions, region: string, userPoolId: string): string {
  const format = pool.issuerFormat ?? 'cognito-idp';
  if (format !== 'cognito-idp' && format !== 'issuer-cognito-idp') {
    throw new CognitoAuthConfigError(`issuerFormat must be "cognito-idp" or "issuer-cognito-idp"`);
  }
  return `https://${format}.${region}.amazonaws.com/${userPoolId}`;
}

function readClientIds(pool: CognitoUserPoolOptions): ReadonlySet<string> {
  const ids = [
    ...(pool.clientId === undefined ? [] : [pool.clientId]),
    ...(pool.clientIds === undefined ? [] : Array.isArray(pool.clientIds) ? pool.clientIds : [pool.clientIds]),
  ];
  if (ids.length === 0) {
    throw new CognitoAuthConfigError(`clientId or clientIds is required for pool ${pool.userPoolId}`);
  }
  return new Set(readStrings(ids, 'clientId', pool.userPoolId));
}

function readStrings(values: unknown[], name: string, userPoolId: string): string[] {
  for (const value of values) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new CognitoAuthConfigError(`${name} values must be non-empty strings (pool ${userPoolId})`);
    }
  }
  return values as string[];
}

function requireUrl(value: unknown, name: string, userPoolId: string): URL {
  try {
    return new URL(value as string);
  } catch {
    throw new CognitoAuthConfigError(`${name} is not a valid URL (pool ${userPoolId})`);
  }
}

function requireSafeJwksUri(jwksUri: string, userPoolId: string): void {
  const url = requireUrl(jwksUri, 'jwksUri', userPoolId);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new CognitoAuthConfigError(
    `jwksUri must use https (plain http is allowed for loopback hosts only), got ${url.protocol}//${url.host} for pool ${userPoolId}`,
  );
}

function readNumber(
  options: CognitoAuthOptions,
  name: keyof CognitoAuthOptions,
  fallback: number,
  minimum: number,
  maximum = Number.MAX_VALUE,
): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new CognitoAuthConfigError(`${name} must be a number >= ${minimum}`);
  }
  if (value > maximum) throw new CognitoAuthConfigError(`${name} must be at most ${maximum}`);
  return value;
}

/**
 * The longest delay a timer keeps: Node fires a longer one after 1 ms instead, which would time
 * out every call (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args).
 */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A time limit in milliseconds, enforced with a timer: at least 1 ms, at most what a timer keeps. */
function readTimeout(options: CognitoAuthOptions, name: keyof CognitoAuthOptions, fallback: number): number {
  return readNumber(options, name, fallback, 1, MAX_TIMER_DELAY_MS);
}

function readChoice<T extends string>(value: unknown, choices: readonly T[], fallback: T, name: string): T {
  const chosen = value ?? fallback;
  if (!choices.includes(chosen as T)) {
    throw new CognitoAuthConfigError(`${name} must be one of ${choices.join(', ')}`);
  }
  return chosen as T;
}

function readTransformUser(value: unknown): CognitoAuthOptions['transformUser'] {
  if (value !== undefined && typeof value !== 'function') {
    throw new CognitoAuthConfigError('transformUser must be a function or an injectable class with a transform method');
  }
  return value as CognitoAuthOptions['transformUser'];
}
