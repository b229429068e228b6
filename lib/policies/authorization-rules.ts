import type { CognitoOpenApiInfo } from '../decorators/openapi-extension.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { type CognitoPolicy, isPolicy, policyName } from './cognito-policy.js';

/** A claim the token must carry: present, or equal (as text) to one of `values`. */
export interface ClaimRequirement {
  readonly claim: string;
  /** Accepted values as text; absent means "present with any value". */
  readonly values?: readonly string[];
}

/** The rules a request must pass once its user is known; every non-empty rule must pass. */
export interface AuthorizationRules {
  /** In at least one of these groups (`@Groups`). */
  readonly groups: readonly string[];
  /** In every one of these groups (`@AllGroups`). */
  readonly allGroups: readonly string[];
  /** In none of these groups (`@NotGroups`). */
  readonly notGroups: readonly string[];
  /** Every one of these scopes (`@Scopes`). */
  readonly scopes: readonly string[];
  /** Every one of these claim requirements (`@RequireClaim`). */
  readonly claims: readonly ClaimRequirement[];
  /** Every one of these custom policies (`@Policy`), in order. */
  readonly policies: readonly CognitoPolicy[];
}

/**
 * The `fallbackPolicy` option: the rules of routes that have none of their own. Each field is
 * the option form of a decorator; a route with any rule decorator (on its handler or class) or
 * `@Public()` does not use it.
 *
 * @example fallbackPolicy: { groups: ['staff'], notGroups: ['suspended'] }
 */
export interface CognitoAuthorizationRules {
  /** Like `@Groups(...)`: in at least one of them. */
  groups?: string[];
  /** Like `@AllGroups(...)`: in every one of them. */
  allGroups?: string[];
  /** Like `@NotGroups(...)`: in none of them. */
  notGroups?: string[];
  /** Like `@Scopes(...)`: every one of them. */
  scopes?: string[];
  /** Like `@RequireClaim(...)`: claim name → accepted values, or `true` for "present". */
  claims?: Record<string, true | Array<string | number | boolean>>;
  /** Like `@Policy(...)`: functions or injectable classes, all of which must allow. */
  policies?: CognitoPolicy[];
}

export const NO_RULES: AuthorizationRules = Object.freeze({
  groups: [],
  allGroups: [],
  notGroups: [],
  scopes: [],
  claims: [],
  policies: [],
});

export function hasAnyRule(rules: AuthorizationRules): boolean {
  return (
    rules.groups.length > 0 ||
    rules.allGroups.length > 0 ||
    rules.notGroups.length > 0 ||
    rules.scopes.length > 0 ||
    rules.claims.length > 0 ||
    rules.policies.length > 0
  );
}

/**
 * A claim requirement from decorator or option arguments. Values are kept as text: Cognito
 * sends custom attributes as strings, and a boolean claim such as `email_verified` matches
 * `'true'` whether it arrives as the string or the boolean.
 */
export function claimRequirement(claim: unknown, values: readonly unknown[], where: string): ClaimRequirement {
  if (typeof claim !== 'string' || claim === '') {
    throw new CognitoAuthConfigError(`${where} needs a claim name`);
  }
  for (const value of values) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CognitoAuthConfigError(`${where}: the values of ${claim} must be strings, numbers or booleans`);
    }
  }
  return values.length === 0 ? { claim } : { claim, values: values.map(String) };
}

const RULE_KEYS = ['groups', 'allGroups', 'notGroups', 'scopes', 'claims', 'policies'];

/**
 * Validates the `fallbackPolicy` option at start-up. An unknown key or an empty list is an
 * error, never "no rule": a typo must not open every route to any signed-in user.
 */
export function resolveFallbackPolicy(option: unknown): AuthorizationRules | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new CognitoAuthConfigError('fallbackPolicy must be an object such as { groups: [...] }');
  }
  const unknown = Object.keys(option).filter((key) => !RULE_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new CognitoAuthConfigError(
      `fallbackPolicy has unknown rules: ${unknown.join(', ')} (known: ${RULE_KEYS.join(', ')})`,
    );
  }
  const rules = option as CognitoAuthorizationRules;
  const resolved: AuthorizationRules = {
    groups: readNames(rules.groups, 'groups'),
    allGroups: readNames(rules.allGroups, 'allGroups'),
    notGroups: readNames(rules.notGroups, 'notGroups'),
    scopes: readNames(rules.scopes, 'scopes'),
    claims: readClaims(rules.claims),
    policies: readPolicies(rules.policies),
  };
  return Object.freeze(resolved);
}

function readNames(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) {
    throw new CognitoAuthConfigError(`fallbackPolicy.${name} must be a non-empty array`);
  }
  if (value.some((item) => typeof item !== 'string' || item === '')) {
    throw new CognitoAuthConfigError(`fallbackPolicy.${name} values must be non-empty strings`);
  }
  return Object.freeze([...value]);
}

function readClaims(value: unknown): readonly ClaimRequirement[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new CognitoAuthConfigError('fallbackPolicy.claims must be a non-empty object: { claim: true | [values] }');
  }
  return Object.freeze(
    Object.entries(value).map(([claim, values]) => {
      if (values === true) return claimRequirement(claim, [], 'fallbackPolicy.claims');
      if (!Array.isArray(values) || values.length === 0) {
        throw new CognitoAuthConfigError(`fallbackPolicy.claims.${claim} must be true or a non-empty array of values`);
      }
      return claimRequirement(claim, values, 'fallbackPolicy.claims');
    }),
  );
}

function readPolicies(value: unknown): readonly CognitoPolicy[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) {
    throw new CognitoAuthConfigError('fallbackPolicy.policies must be a non-empty array');
  }
  if (!value.every(isPolicy)) {
    throw new CognitoAuthConfigError(
      'fallbackPolicy.policies must be functions, policy classes or objects with handle()',
    );
  }
  return Object.freeze([...value]);
}

/** How rules read in the OpenAPI document (the fallback policy's, for `applyCognitoSecurity`). */
export function openApiInfoOf(rules: AuthorizationRules): CognitoOpenApiInfo {
  const info: CognitoOpenApiInfo = {};
  if (rules.groups.length > 0) info.groups = [...rules.groups];
  if (rules.allGroups.length > 0) info.allGroups = [...rules.allGroups];
  if (rules.notGroups.length > 0) info.notGroups = [...rules.notGroups];
  if (rules.scopes.length > 0) info.scopes = [...rules.scopes];
  if (rules.claims.length > 0)
    info.claims = rules.claims.map(({ claim, values }) => (values ? { claim, values: [...values] } : { claim }));
  if (rules.policies.length > 0) info.policies = rules.policies.map(policyName);
  return info;
}
