import type {
  CognitoAuthenticateEvent,
  CognitoAuthorizeEvent,
  CognitoJwksEvent,
  CognitoTransport,
} from '../events/cognito-channels.js';

/**
 * Attribute values of the module's metrics. Every value comes from a fixed list, or is a
 * configured pool id: a metrics back end keeps one series per distinct attribute set, so a
 * value taken from a request (a `sub`, a token, an error message) would grow it without end.
 * Anything not on a list is reported as `other`.
 */
export type MetricAttributes = Readonly<Record<string, string | number>>;

const OTHER = 'other';

const RESULTS: ReadonlySet<string> = new Set(['success', 'failure', 'none']);
const AUTHORIZATION_RESULTS: ReadonlySet<string> = new Set(['allowed', 'denied']);

const FAILURE_REASONS: ReadonlySet<string> = new Set([
  // The checks of a token (InvalidTokenReason).
  'too_long',
  'malformed',
  'unsupported_algorithm',
  'invalid_kid',
  'crit_header',
  'invalid_claim',
  'unknown_issuer',
  'wrong_token_use',
  'wrong_client',
  'wrong_audience',
  'expired',
  'not_yet_valid',
  'unknown_key',
  'invalid_signature',
  'custom_check',
  'revoked',
  'user_not_found',
  // Refusals that are not about the token itself: the answer's error code.
  'unauthorized',
  'invalid_request',
  'invalid_token',
  'insufficient_scope',
  'forbidden',
  'unavailable',
  'refused',
]);

const TRANSPORTS: ReadonlySet<CognitoTransport> = new Set<CognitoTransport>([
  'http',
  'graphql',
  'ws',
  'rpc',
  'passport',
  'verifier',
  'lambda',
]);

const AUTHORIZATION_RULES: ReadonlySet<string> = new Set([
  'none',
  'fallback',
  'groups',
  'all_groups',
  'not_groups',
  'scopes',
  'claim',
  'claims',
  'policy',
  'policies',
  'token_use',
  'user_pools',
]);

const JWKS_TRIGGERS: ReadonlySet<string> = new Set(['preload', 'cold', 'unknown_kid', 'refresh']);
const JWKS_ERROR_TYPES: ReadonlySet<string> = new Set([
  'timeout',
  'http_status',
  'invalid_json',
  'too_large',
  'no_keys',
  'network',
]);

/** More pool ids than this (a tenant resolver's pools) are reported as `other`. */
const MAX_POOL_IDS = 200;
/** A Cognito user pool id: `<region>_<id>`. */
const USER_POOL_ID = /^[A-Za-z0-9-]{1,32}_[A-Za-z0-9]{1,32}$/;

const oneOf = (value: unknown, known: ReadonlySet<string>): string =>
  typeof value === 'string' && known.has(value) ? value : OTHER;

/** `allGroups` → `all_groups`: the rule names in snake case, like the other attribute values. */
const snakeCase = (value: unknown): unknown =>
  typeof value === 'string' ? value.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : value;

/**
 * Maps events to attribute sets, and keeps each distinct set once: the same object is passed
 * to the instrument for every event that maps to it, so the hot path allocates nothing.
 */
export class MetricAttributeSets {
  private readonly poolIds: Set<string>;
  private readonly sets = new Map<string, MetricAttributes>();

  constructor(configuredPoolIds: Iterable<string>) {
    this.poolIds = new Set(configuredPoolIds);
  }

  authenticate(event: CognitoAuthenticateEvent): MetricAttributes {
    const result = oneOf(event.result, RESULTS);
    const reason = result === 'failure' ? oneOf(event.reason, FAILURE_REASONS) : undefined;
    const status = statusOf(event.status);
    const cache = result === 'none' ? undefined : event.cacheHit ? 'hit' : 'miss';
    const transport = oneOf(event.transport, TRANSPORTS);
    const pool = event.userPoolId === undefined ? undefined : this.poolIdOf(event.userPoolId);
    return this.keep(`a|${result}|${reason}|${status}|${cache}|${transport}|${pool}`, () => ({
      'cognito_auth.result': result,
      ...(reason === undefined ? {} : { 'cognito_auth.failure.reason': reason }),
      ...(status === undefined ? {} : { 'http.response.status_code': status }),
      ...(cache === undefined ? {} : { 'cognito_auth.token_cache.result': cache }),
      'cognito_auth.transport': transport,
      ...(pool === undefined ? {} : { 'cognito_auth.user_pool.id': pool }),
    }));
  }

  authorize(event: CognitoAuthorizeEvent): MetricAttributes {
    const result = oneOf(event.result, AUTHORIZATION_RESULTS);
    const rule = oneOf(snakeCase(event.rule), AUTHORIZATION_RULES);
    return this.keep(`z|${result}|${rule}`, () => ({
      'cognito_auth.authorization.result': result,
      'cognito_auth.authorization.rule': rule,
    }));
  }

  jwks(event: CognitoJwksEvent): MetricAttributes {
    const pool = this.poolIdOf(event.userPoolId);
    const trigger = oneOf(event.trigger, JWKS_TRIGGERS);
    const result = event.result === 'success' ? 'success' : 'failure';
    const errorType = result === 'failure' ? oneOf(event.errorType, JWKS_ERROR_TYPES) : undefined;
    return this.keep(`j|${pool}|${trigger}|${result}|${errorType}`, () => ({
      'cognito_auth.user_pool.id': pool,
      'cognito_auth.jwks.trigger': trigger,
      'cognito_auth.jwks.result': result,
      ...(errorType === undefined ? {} : { 'error.type': errorType }),
    }));
  }

  private poolIdOf(userPoolId: unknown): string {
    if (typeof userPoolId !== 'string') return OTHER;
    if (this.poolIds.has(userPoolId)) return userPoolId;
    if (this.poolIds.size >= MAX_POOL_IDS || !USER_POOL_ID.test(userPoolId)) return OTHER;
    this.poolIds.add(userPoolId);
    return userPoolId;
  }

  private keep(key: string, create: () => MetricAttributes): MetricAttributes {
    let attributes = this.sets.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze(create());
      this.sets.set(key, attributes);
    }
    return attributes;
  }
}

/** An HTTP status code, or nothing: a number outside 100–599 is not one. */
function statusOf(status: unknown): number | undefined {
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}
