import { CognitoAuthConfigError, GroupNotAllowedError, InsufficientScopeError } from '../errors/cognito-auth.errors.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/** The rules an authorizer applies to every verified token; an empty rule is absent. */
export interface AuthorizerRules {
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

/** An empty list is a mistake (it would allow nobody or everybody), refused when the authorizer is created. */
export function readRuleList(value: unknown, name: 'groups' | 'scopes'): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new CognitoAuthConfigError(`${name} must be a non-empty list of non-empty strings`);
  }
  return Object.freeze([...value]);
}

/** Throws the error the guard would for the same rule: `groups` any-of, `scopes` all-of. */
export function assertRules(user: CognitoUser, rules: AuthorizerRules): void {
  if (rules.groups.length > 0 && !rules.groups.some((group) => user.groups.includes(group))) {
    throw new GroupNotAllowedError(rules.groups);
  }
  if (rules.scopes.length > 0 && !rules.scopes.every((scope) => user.scopes.includes(scope))) {
    throw new InsufficientScopeError(rules.scopes);
  }
}

export function ruleNameOf(error: unknown): string {
  return error instanceof InsufficientScopeError ? 'scopes' : 'groups';
}
