import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { type CognitoOpenApiInfo } from './openapi-info.js';
import type { RuleKind } from './rule-kind.js';
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

/** One kind of rule that a set of rules uses, with its items. */
export interface ActiveRule {
  readonly kind: RuleKind<RuleName, unknown>;
  readonly items: readonly unknown[];
}

/**
 * The kinds a set of rules uses, in checking order, kept on the rules object (copied with it by
 * a spread) so that each request walks only those instead of every kind of the table.
 */
const ACTIVE = Symbol('cognito-auth:active-rules');
/** The same for rules made elsewhere, which may be frozen. */
const activeOfOthers = new WeakMap<AuthorizationRules, readonly ActiveRule[]>();

export function activeRulesOf(rules: AuthorizationRules): readonly ActiveRule[] {
  const own = (rules as { [ACTIVE]?: readonly ActiveRule[] })[ACTIVE];
  if (own) return own;
  let active = activeOfOthers.get(rules);
  if (!active) activeOfOthers.set(rules, (active = listActive(rules)));
  return active;
}

function listActive(rules: AuthorizationRules): readonly ActiveRule[] {
  const active: ActiveRule[] = [];
  for (const kind of RULE_LIST) {
    const items = rules[kind.name] ?? [];
    if (items.length > 0) active.push({ kind, items });
  }
  return Object.freeze(active);
}

export function hasAnyRule(rules: AuthorizationRules): boolean {
  return activeRulesOf(rules).length > 0;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Rules from a reader of each kind's list (the route's metadata, an option's fields). */
export function rulesFrom(listOf: (name: RuleName) => readonly unknown[] | undefined): AuthorizationRules {
  const rules: Record<string | symbol, unknown> = {};
  for (const kind of RULE_LIST) rules[kind.name] = listOf(kind.name) ?? EMPTY;
  rules[ACTIVE] = listActive(rules as unknown as AuthorizationRules);
  return rules as unknown as AuthorizationRules;
}

export const NO_RULES: AuthorizationRules = Object.freeze(rulesFrom(() => undefined));

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
