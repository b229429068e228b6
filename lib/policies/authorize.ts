import type { ExecutionContext } from '@nestjs/common';
import { ClaimRequirementError, GroupNotAllowedError, InsufficientScopeError } from '../errors/cognito-auth.errors.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { AuthorizationRules, ClaimRequirement } from './authorization-rules.js';
import type { CognitoPolicy } from './cognito-policy.js';

/** Runs one custom policy: returns (or resolves) when it allows, throws (rejects) the refusal. */
export interface PolicyRunnerLike {
  run(policy: CognitoPolicy, user: CognitoUser, context: ExecutionContext): void | Promise<void>;
}

/**
 * Checks a verified user against rules and throws the precise refusal. The built-in rules are
 * synchronous and run first, so a custom policy (which may query a database) only runs for a
 * user who passes them. The result is a promise only when a policy returns one.
 */
export function authorize(
  rules: AuthorizationRules,
  user: CognitoUser,
  context: ExecutionContext,
  runner: PolicyRunnerLike,
): void | Promise<void> {
  const { groups, allGroups, notGroups, scopes, claims, policies } = rules;
  if (groups.length > 0 && !groups.some((group) => user.groups.includes(group))) {
    throw new GroupNotAllowedError(groups);
  }
  if (allGroups.length > 0 && !allGroups.every((group) => user.groups.includes(group))) {
    throw new GroupNotAllowedError(allGroups, 'all');
  }
  if (notGroups.length > 0 && notGroups.some((group) => user.groups.includes(group))) {
    throw new GroupNotAllowedError(notGroups, 'none');
  }
  for (const requirement of claims) {
    if (!meetsClaim(user, requirement)) throw new ClaimRequirementError(requirement.claim);
  }
  if (scopes.length > 0 && !scopes.every((scope) => user.scopes.includes(scope))) {
    throw new InsufficientScopeError(scopes);
  }
  return policies.length === 0 ? undefined : runPolicies(policies, 0, user, context, runner);
}

/** In order, each after the previous one allowed: a refusal stops the rest. */
function runPolicies(
  policies: readonly CognitoPolicy[],
  from: number,
  user: CognitoUser,
  context: ExecutionContext,
  runner: PolicyRunnerLike,
): void | Promise<void> {
  for (let index = from; index < policies.length; index++) {
    const pending = runner.run(policies[index]!, user, context);
    if (pending) return pending.then(() => runPolicies(policies, index + 1, user, context, runner));
  }
  return undefined;
}

/**
 * Top-level claims of the verified payload only. Values compare as text, as Cognito sends
 * custom attributes: a boolean `true` matches `'true'`. An array claim matches when one of its
 * items does. `null` counts as absent.
 */
function meetsClaim(user: CognitoUser, { claim, values }: ClaimRequirement): boolean {
  const claims: Readonly<Record<string, unknown>> = user.claims ?? user;
  if (!Object.hasOwn(claims, claim)) return false;
  const value = claims[claim];
  if (value === null || value === undefined) return false;
  if (values === undefined) return true;
  return Array.isArray(value) ? value.some((item) => isOneOf(item, values)) : isOneOf(value, values);
}

function isOneOf(value: unknown, accepted: readonly string[]): boolean {
  const type = typeof value;
  return (type === 'string' || type === 'boolean' || type === 'number') && accepted.includes(String(value));
}
