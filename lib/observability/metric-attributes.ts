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

/** The rule names as the rules are named (`allGroups`) or in snake case, each to its snake-case attribute value. */
const RULE_VALUES: ReadonlyMap<string, string> = new Map(
  [...AUTHORIZATION_RULES].flatMap((rule) => [
    [rule, rule],
    [rule.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), rule],
  ]),
);

const ruleOf = (value: unknown): string => (typeof value === 'string' && RULE_VALUES.get(value)) || OTHER;

/**
 * Attribute sets by the values they are made of, one Map level per value: finding the set of an
 * event builds no key string, and the same frozen object comes back for every event that maps to
 * it, so the hot path allocates nothing that outlives it. The values are bounded (fixed lists and
 * pool ids), so the index is too.
 */
class AttributeSetIndex<Values extends readonly unknown[]> {
  private readonly root = new Map<unknown, unknown>();

  constructor(private readonly create: (values: Values) => MetricAttributes) {}

  find(values: Values): MetricAttributes {
    let level = this.root;
    const last = values.length - 1;
    for (let index = 0; index < last; index++) {
      let next = level.get(values[index]) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(values[index], next);
      }
      level = next;
    }
    let attributes = level.get(values[last]) as MetricAttributes | undefined;
    if (attributes === undefined) {
      attributes = Object.freeze(this.create(values));
      level.set(values[last], attributes);
    }
    return attributes;
  }
}

type AuthenticateValues = readonly [
  result: string,
  reason: string | undefined,
  status: number | undefined,
  cache: string | undefined,
  transport: string,
  pool: string | undefined,
];
type AuthorizeValues = readonly [result: string, rule: string];
type JwksValues = readonly [pool: string, trigger: string, result: string, errorType: string | undefined];

/** Maps events to attribute sets, each distinct set kept once (see AttributeSetIndex). */
export class MetricAttributeSets {
  private readonly poolIds: Set<string>;
  private readonly authenticateSets = new AttributeSetIndex<AuthenticateValues>(
    ([result, reason, status, cache, transport, pool]) => ({
      'cognito_auth.result': result,
      ...(reason === undefined ? {} : { 'cognito_auth.failure.reason': reason }),
      ...(status === undefined ? {} : { 'http.response.status_code': status }),
      ...(cache === undefined ? {} : { 'cognito_auth.token_cache.result': cache }),
      'cognito_auth.transport': transport,
      ...(pool === undefined ? {} : { 'cognito_auth.user_pool.id': pool }),
    }),
  );
  private readonly authorizeSets = new AttributeSetIndex<AuthorizeValues>(([result, rule]) => ({
    'cognito_auth.authorization.result': result,
    'cognito_auth.authorization.rule': rule,
  }));
  private readonly jwksSets = new AttributeSetIndex<JwksValues>(([pool, trigger, result, errorType]) => ({
    'cognito_auth.user_pool.id': pool,
    'cognito_auth.jwks.trigger': trigger,
    'cognito_auth.jwks.result': result,
    ...(errorType === undefined ? {} : { 'error.type': errorType }),
  }));

  constructor(configuredPoolIds: Iterable<string>) {
    this.poolIds = new Set(configuredPoolIds);
  }

  authenticate(event: CognitoAuthenticateEvent): MetricAttributes {
    const result = oneOf(event.result, RESULTS);
    return this.authenticateSets.find([
      result,
      result === 'failure' ? oneOf(event.reason, FAILURE_REASONS) : undefined,
      statusOf(event.status),
      result === 'none' ? undefined : event.cacheHit ? 'hit' : 'miss',
      oneOf(event.transport, TRANSPORTS),
      event.userPoolId === undefined ? undefined : this.poolIdOf(event.userPoolId),
    ]);
  }

  authorize(event: CognitoAuthorizeEvent): MetricAttributes {
    return this.authorizeSets.find([oneOf(event.result, AUTHORIZATION_RESULTS), ruleOf(event.rule)]);
  }

  jwks(event: CognitoJwksEvent): MetricAttributes {
    const result = event.result === 'success' ? 'success' : 'failure';
    return this.jwksSets.find([
      this.poolIdOf(event.userPoolId),
      oneOf(event.trigger, JWKS_TRIGGERS),
      result,
      result === 'failure' ? oneOf(event.errorType, JWKS_ERROR_TYPES) : undefined,
    ]);
  }

  private poolIdOf(userPoolId: unknown): string {
    if (typeof userPoolId !== 'string') return OTHER;
    if (this.poolIds.has(userPoolId)) return userPoolId;
    if (this.poolIds.size >= MAX_POOL_IDS || !USER_POOL_ID.test(userPoolId)) return OTHER;
    this.poolIds.add(userPoolId);
    return userPoolId;
  }
}

/** An HTTP status code, or nothing: a number outside 100–599 is not one. */
function statusOf(status: unknown): number | undefined {
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}
