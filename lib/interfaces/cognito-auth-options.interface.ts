import type { ExecutionContext, ModuleMetadata, Type } from '@nestjs/common';
import type { CognitoJwtHeader, CognitoJwtPayload } from './cognito-jwt.interface.js';
import type { CognitoUser } from './cognito-user.interface.js';
import type { CognitoUserTransformer, CognitoUserTransformFunction } from './cognito-user-transformer.interface.js';
import type { CognitoRevocationOptions } from './cognito-revocation.interface.js';
import type { CognitoAuthorizationRules } from './cognito-authorization.interface.js';

/** Which kind of Cognito token a pool accepts. `any` accepts access and ID tokens. */
export type CognitoTokenUse = 'access' | 'id' | 'any';

/** `cognito-idp` is the classic issuer host, `issuer-cognito-idp` the "updated" one. */
export type CognitoIssuerFormat = 'cognito-idp' | 'issuer-cognito-idp';

/** What to do with the key sets when the application starts. */
export type CognitoPreloadKeys = 'off' | 'best-effort' | 'required';

/** One Cognito user pool whose tokens are accepted. */
export interface CognitoUserPoolOptions {
  /** AWS region of the pool, e.g. `eu-west-1`. Defaults to the prefix of `userPoolId`. */
  region?: string;
  /** The user pool id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** The app client id whose tokens are accepted (or use `clientIds`). */
  clientId?: string;
  /** Several accepted app client ids. Merged with `clientId`. */
  clientIds?: string[];
  /** Which tokens are accepted. Default `access`. */
  tokenUse?: CognitoTokenUse;
  /**
   * Accepted `aud` values of access tokens besides the client ids (resource binding sets
   * `aud` to an API URL). An access token without `aud` does not need one.
   */
  resourceAudiences?: string[];
  /** Issuer host form. Default `cognito-idp`. Ignored when `issuer` is set. */
  issuerFormat?: CognitoIssuerFormat;
  /** Overrides the issuer URL (emulators, tests). Compared exactly to the token's `iss`. */
  issuer?: string;
  /** Overrides the JWKS URL. Default `{issuer}/.well-known/jwks.json`. Must be https unless loopback. */
  jwksUri?: string;
  /**
   * The pool's key set itself (`{ keys: [...] }`, as the JWKS URL serves it). Nothing is then
   * downloaded: for air-gapped apps and for tests. Keys rotated by Cognito must be added here.
   */
  jwks?: { keys: object[] };
}

/**
 * Finds the token of a request: returns it, or null when there is none (throw a
 * `CognitoAuthError` to refuse a malformed request). `request` is the HTTP request, a
 * `CognitoSocketRequest` in WebSocket gateways (also at the handshake, where `context` is
 * undefined), or a `CognitoMessageRequest` (`data`, `context`) in microservice handlers.
 */
export type CognitoTokenExtractor = (request: any, context?: ExecutionContext) => string | null | undefined;

/** What the optional custom check receives, after every built-in check passed. */
export interface CognitoCustomCheckContext {
  header: CognitoJwtHeader;
  payload: CognitoJwtPayload;
  user: CognitoUser;
}

/**
 * Finds the pool of a token's issuer (one pool per tenant): the pool, or `null` when there is
 * none. Asked only with issuers of Cognito's forms (or matching `issuerPattern`), after the
 * token's structure, claim types and time window passed; its answers are cached. A pool whose
 * `issuer` is not exactly the one asked about counts as none.
 */
export type CognitoUserPoolResolver = (
  issuer: string,
) => CognitoUserPoolOptions | null | undefined | Promise<CognitoUserPoolOptions | null | undefined>;

export interface CognitoAuthOptions extends Partial<CognitoUserPoolOptions> {
  /**
   * Several pools in one app: a list, or a resolver `(issuer) => pool | null` for many pools
   * (one per tenant, README "Many tenants"). Use either this or the single-pool fields.
   */
  userPools?: CognitoUserPoolOptions[] | CognitoUserPoolResolver;
  /**
   * With a `userPools` resolver: issuers it is also asked about besides Cognito's own forms
   * (an emulator's or a test kit's `http://127.0.0.1:…/<pool id>`). Match whole issuers (`^…$`).
   */
  issuerPattern?: RegExp;
  /** How long the `userPools` resolver's answers (a pool, or none) are reused, in ms. Default 300000 (5 min). */
  userPoolCacheTtlMs?: number;
  /**
   * How many pools the `userPools` resolver's answers keep (and as many "no pool" answers); the
   * oldest answer goes first, and its key set with it. Default 10000.
   */
  userPoolCacheMaxEntries?: number;
  /** How long the `userPools` resolver may take before the request is answered 503, in ms. Default 5000. */
  userPoolResolveTimeoutMs?: number;
  /** Seconds of clock skew allowed on `exp` and `nbf`. Default 5. */
  clockTolerance?: number;
  /** Tokens longer than this many characters are refused unparsed. Default 16384. */
  maxTokenLength?: number;
  /** Register the guard as `APP_GUARD` (protect every route). Default true. */
  globalGuard?: boolean;
  /**
   * Runs after the built-in checks. Throw to refuse the token: an `InvalidTokenError` gives its
   * description, a Nest `HttpException` is answered as is, anything else is a 401 `invalid_token`.
   */
  customCheck?: (context: CognitoCustomCheckContext) => void | Promise<void>;
  /**
   * How long the module waits for the app's own code (`customCheck`, `@Policy` handlers) before
   * answering 503 with `Retry-After`, in ms. Default 5000.
   */
  callbackTimeoutMs?: number;
  /**
   * Makes the app's own user (the principal) from each verified Cognito user, once per token: a
   * function, or an injectable class implementing `CognitoUserTransformer` provided in any
   * module of the app. `@CurrentUser()`, `request.user` and policies get the principal;
   * `@CurrentCognitoUser()` and the built-in rules keep the Cognito user. See "Your own user".
   */
  transformUser?: CognitoUserTransformFunction | Type<CognitoUserTransformer>;
  /** How long a principal is reused for its token, in ms (never past the token's `exp`; 0: every request). Default 300000. */
  transformUserMaxAgeMs?: number;
  /** How long the transformer may take before the request is answered 503 (its signal is aborted), in ms. Default 5000. */
  transformUserTimeoutMs?: number;
  /** Overall timeout of one key-set download, in ms. Default 5000. */
  jwksTimeoutMs?: number;
  /** Minimum time between two downloads caused by unknown `kid`s or failures, in ms. Default 10000. */
  jwksRefetchIntervalMs?: number;
  /** Age after which a key set is refreshed in the background, in ms. Default 3600000 (1 h). */
  jwksMaxAgeMs?: number;
  /** Download the key sets at start-up: `off` (lazily), `best-effort`, or `required` (boot fails). Default `off`. */
  preloadKeys?: CognitoPreloadKeys;
  /** Verified-token cache size (entries); 0 turns the cache off. Default 10000. */
  tokenCacheMaxEntries?: number;
  /** The deny-list of revoked sessions and tokens: in memory by default, or in Redis (`{ redis: client }`). */
  revocation?: CognitoRevocationOptions;
  /**
   * The rules of routes with no rule decorator of their own, like ASP.NET's `FallbackPolicy`,
   * e.g. `{ groups: ['staff'] }`. `@Public()` and any route-level rule (handler or class) replace
   * it. Default: none, any valid token is enough.
   */
  fallbackPolicy?: CognitoAuthorizationRules;
  /**
   * Also read the token from this cookie (back-ends-for-front-ends). The `Authorization`
   * header wins when both are sent. Protect state-changing routes against CSRF (see README).
   */
  tokenCookie?: string;
  /**
   * Replaces the built-in token sources (header, handshake `auth.token`, `tokenCookie`). The
   * query string is read only by an extractor you write. `tokenFromRequest` and
   * `tokenFromCookie` give the built-in sources to combine with your own.
   */
  tokenExtractor?: CognitoTokenExtractor;
  /**
   * OpenTelemetry metrics (README, Observability): recorded on `{ meterProvider }`, or on the
   * global meter provider as it is when the app boots (when `@opentelemetry/api` is installed
   * and an SDK has registered one). `false` records nothing and loads nothing. Default: on when
   * a global meter provider is registered.
   */
  metrics?: false | CognitoMetricsOptions;
}

/** Where the module's metrics go. */
export interface CognitoMetricsOptions {
  /**
   * An OpenTelemetry `MeterProvider` (from `@opentelemetry/sdk-metrics` or the API's global
   * one). Default: the global meter provider, looked up when the app boots.
   */
  meterProvider?: CognitoMeterProvider;
}

/**
 * What the module needs of an OpenTelemetry `MeterProvider`; any `MeterProvider` fits. Spelled
 * out here so that the module's types do not require `@opentelemetry/api`, an optional peer.
 */
export interface CognitoMeterProvider {
  getMeter(name: string, version?: string, options?: object): unknown;
}

export interface CognitoAuthOptionsFactory {
  createCognitoAuthOptions(): CognitoAuthOptions | Promise<CognitoAuthOptions>;
}

export interface CognitoAuthAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory?: (...args: any[]) => CognitoAuthOptions | Promise<CognitoAuthOptions>;
  inject?: any[];
  useClass?: Type<CognitoAuthOptionsFactory>;
  useExisting?: Type<CognitoAuthOptionsFactory>;
  /** Register the guard as `APP_GUARD`. Decided when the module is declared, hence here. Default true. */
  globalGuard?: boolean;
}
