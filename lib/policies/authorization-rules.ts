import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { type CognitoOpenApiInfo } from './openapi-info.js';
import { RULE_KINDS, RULE_LIST, type RuleItem, type RuleName } from './rule-kinds.js';

export type { ClaimRequirement } from './claim-requirement.js';
export type { CognitoAuthorizationRules } from '../interfaces/cognito-authorization.interface.js';

/**
 * The rules a request must pass once its user is known, one list per kind of rule (see
 * `RULE_KINDS`); every non-empty list must pass. `groups`: in at least one; `allGroups`: in every
 * one; `notGroups`: in none; `scopes`: every one; `claims`: every requirement; `policies`: every
 * policy, in order; `tokenUse`: one of these kinds of token; `userPools`: from one of these pools.
 */
export type AuthorizationRules = { readonly [Name in RuleName]: readonly RuleItem<Name>[] };

export const NO_RULES: AuthorizationRules = Object.freeze(
  Object.fromEntries(RULE_LIST.map((kind) => [kind.name, Object.freeze([])])) as unknown as AuthorizationRules,
);

export function hasAnyRule(rules: AuthorizationRules): boolean {
  for (const kind of RULE_LIST) {
    if (rules[kind.name].length > 0) return true;
  }
  return false;
}

/** Rules from a reader of each kind's list (the route's metadata, an option's fields). */
export function rulesFrom(listOf: (name: RuleName) => readonly unknown[] | undefined): AuthorizationRules {
  const rules: Record<string, readonly unknown[]> = {};
  for (const kind of RULE_LIST) rules[kind.name] = listOf(kind.name) ?? NO_RULES[kind.name];
  return rules as unknown as AuthorizationRules;
}

/**
 * Validates the `fallbackPolicy` option at start-up. An unknown key or an empty list is an
 * error, never "no rule": a typo must not open every route to any signed-in user.
 */
export function resolveFallbackPolicy(option: unknown): AuthorizationRules | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new CognitoAuthConfigError('fallbackPolicy must be an object such as { groups: [...] }');
  }
  const known = Object.keys(RULE_KINDS);
  const unknown = Object.keys(option).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new CognitoAuthConfigError(
      `fallbackPolicy has unknown rules: ${unknown.join(', ')} (known: ${known.join(', ')})`,
    );
  }
  const fields = option as Record<string, unknown>;
  return Object.freeze(
    rulesFrom((name) =>
      fields[name] === undefined ? undefined : Object.freeze(RULE_KINDS[name].fromOption(fields[name])),
    ),
  );
}

/** How rules read in the OpenAPI document (the fallback policy's, for `applyCognitoSecurity`). */
export function openApiInfoOf(rules: AuthorizationRules): CognitoOpenApiInfo {
  const info: CognitoOpenApiInfo = {};
  for (const kind of RULE_LIST) {
    const items = rules[kind.name];
    if (items.length > 0) info[kind.name] = kind.openApi.list(items);
  }
  return info;
}
