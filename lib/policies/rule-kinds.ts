import type { ExecutionContext } from '@nestjs/common';
import {
  EXCLUDED_GROUPS_KEY,
  POLICIES_KEY,
  REQUIRED_ALL_GROUPS_KEY,
  REQUIRED_CLAIMS_KEY,
  REQUIRED_GROUPS_KEY,
  REQUIRED_SCOPES_KEY,
  TOKEN_USE_KEY,
  USER_POOLS_KEY,
} from '../cognito-auth.constants.js';
import {
  ClaimRequirementError,
  CognitoAuthConfigError,
  GroupNotAllowedError,
  InsufficientScopeError,
  InvalidTokenError,
  UserPoolNotAllowedError,
} from '../errors/cognito-auth.errors.js';
import type {
  CognitoAuthorizationRules,
  CognitoPolicy,
  CognitoRouteTokenUse,
} from '../interfaces/cognito-authorization.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { type ClaimRequirement, claimRequirement, meetsClaim } from './claim-requirement.js';
import { isPolicy, policyName } from './cognito-policy.js';
import { namesRule, type PolicyRunnerLike, type RuleKind } from './rule-kind.js';

const TOKEN_USES: readonly CognitoRouteTokenUse[] = ['access', 'id'];

const tokenUse: RuleKind<'tokenUse', CognitoRouteTokenUse> = {
  name: 'tokenUse',
  metadataKey: TOKEN_USE_KEY,
  decorator: '@TokenUse()',
  fromArguments: (args) => {
    if (args.length !== 1 || !TOKEN_USES.includes(args[0] as CognitoRouteTokenUse)) {
      throw new CognitoAuthConfigError(`@TokenUse() takes 'access' or 'id', got ${JSON.stringify(args)}`);
    }
    return [args[0] as CognitoRouteTokenUse];
  },
  fromOption: (value) => {
    if (!TOKEN_USES.includes(value as CognitoRouteTokenUse)) {
      throw new CognitoAuthConfigError(`fallbackPolicy.tokenUse must be 'access' or 'id'`);
    }
    return [value as CognitoRouteTokenUse];
  },
  check: (uses, user, _context, runner) => {
    if (uses.includes(user.tokenUse)) return;
    const accepted = runner.acceptedTokenUses;
    if (accepted && !uses.some((use) => accepted.has(use))) {
      runner.reportConfigError?.(
        new CognitoAuthConfigError(
          `@TokenUse('${uses.join("' | '")}'): no configured user pool accepts such tokens (tokenUse: '${[...accepted].join("' | '")}'); the route refuses every token`,
        ),
      );
    }
    throw new InvalidTokenError('wrong_token_use', `This route takes ${uses.join(' or ')} tokens only`);
  },
  openApi: {
    extension: 'x-token-use',
    status: '401',
    list: (uses) => [...uses],
    describe: (uses) => `takes ${uses.join(' or ')} tokens only`,
  },
};

const userPools = namesRule('userPools', USER_POOLS_KEY, 'user pool id', 'x-user-pools', {
  passes: (pools, user) => pools.includes(user.userPoolId),
  refuse: (pools) => new UserPoolNotAllowedError(pools),
  describe: (pools) => `Only for users of the pools: ${pools.join(', ')}`,
});

/** How each group rule reads the user's groups, and how OpenAPI says it. */
const GROUP_MATCHES = {
  any: {
    passes: (names: readonly string[], groups: readonly string[]) => names.some((name) => groups.includes(name)),
    says: 'Requires membership of one of the groups',
  },
  all: {
    passes: (names: readonly string[], groups: readonly string[]) => names.every((name) => groups.includes(name)),
    says: 'Requires membership of all the groups',
  },
  none: {
    passes: (names: readonly string[], groups: readonly string[]) => !names.some((name) => groups.includes(name)),
    says: 'Refused to members of the groups',
  },
} as const;

/** A rule on `cognito:groups`: `@Groups` (any), `@AllGroups` (all) or `@NotGroups` (none). */
function groupRule<Name extends string>(
  name: Name,
  metadataKey: string,
  match: keyof typeof GROUP_MATCHES,
  extension: `x-${string}`,
): RuleKind<Name, string> {
  const { passes, says } = GROUP_MATCHES[match];
  return namesRule(name, metadataKey, 'group', extension, {
    passes: (names, user) => passes(names, user.groups),
    refuse: (names) => new GroupNotAllowedError(names, match),
    describe: (names) => `${says}: ${names.join(', ')}`,
  });
}

const groups = groupRule('groups', REQUIRED_GROUPS_KEY, 'any', 'x-required-groups');
const allGroups = groupRule('allGroups', REQUIRED_ALL_GROUPS_KEY, 'all', 'x-required-all-groups');
const notGroups = groupRule('notGroups', EXCLUDED_GROUPS_KEY, 'none', 'x-excluded-groups');

const claims: RuleKind<'claims', ClaimRequirement> = {
  name: 'claims',
  metadataKey: REQUIRED_CLAIMS_KEY,
  decorator: '@RequireClaim()',
  // One decorator is one requirement: @RequireClaim(claim, ...values).
  fromArguments: ([claim, ...values]) => [claimRequirement(claim, values, '@RequireClaim()')],
  fromOption: (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
      throw new CognitoAuthConfigError('fallbackPolicy.claims must be a non-empty object: { claim: true | [values] }');
    }
    return Object.entries(value).map(([claim, values]) => {
      if (values === true) return claimRequirement(claim, [], 'fallbackPolicy.claims');
      if (!Array.isArray(values) || values.length === 0) {
        throw new CognitoAuthConfigError(`fallbackPolicy.claims.${claim} must be true or a non-empty array of values`);
      }
      return claimRequirement(claim, values, 'fallbackPolicy.claims');
    });
  },
  check: (requirements, user) => {
    for (const requirement of requirements) {
      if (!meetsClaim(user, requirement)) throw new ClaimRequirementError(requirement.claim);
    }
  },
  openApi: {
    extension: 'x-required-claims',
    status: '403',
    list: (requirements) =>
      requirements.map(({ claim, values }) => (values ? { claim, values: [...values] } : { claim })),
    describe: (listed) => `Requires the claims: ${listed.map((item) => (item as ClaimRequirement).claim).join(', ')}`,
  },
};

const scopes = namesRule('scopes', REQUIRED_SCOPES_KEY, 'scope', 'x-required-scopes', {
  passes: (names, user) => names.every((scope) => user.scopes.includes(scope)),
  refuse: (names) => new InsufficientScopeError(names),
  describe: (names) => `Requires the scopes: ${names.join(' ')}`,
});

const policies: RuleKind<'policies', CognitoPolicy> = {
  name: 'policies',
  metadataKey: POLICIES_KEY,
  decorator: '@Policy()',
  fromArguments: (args) => {
    if (args.length === 0) throw new CognitoAuthConfigError('@Policy() needs at least one policy');
    if (!args.every(isPolicy)) {
      throw new CognitoAuthConfigError('@Policy() takes functions, policy classes or objects with handle()');
    }
    return [...args];
  },
  fromOption: (value) => {
    if (!Array.isArray(value) || value.length === 0) {
      throw new CognitoAuthConfigError('fallbackPolicy.policies must be a non-empty array');
    }
    if (!value.every(isPolicy)) {
      throw new CognitoAuthConfigError(
        'fallbackPolicy.policies must be functions, policy classes or objects with handle()',
      );
    }
    return [...value];
  },
  check: (list, user, context, runner) => runPolicies(list, 0, user, context, runner),
  openApi: {
    extension: 'x-policies',
    status: '403',
    list: (list) => list.map(policyName),
    describe: (names) => `Requires every policy to allow the request: ${names.join(', ')}`,
  },
};

/** In order, each after the previous one allowed: a refusal stops the rest. */
function runPolicies(
  list: readonly CognitoPolicy[],
  from: number,
  user: CognitoUser,
  context: ExecutionContext,
  runner: PolicyRunnerLike,
): void | Promise<void> {
  for (let index = from; index < list.length; index++) {
    const pending = runner.run(list[index]!, user, context);
    if (pending) return pending.then(() => runPolicies(list, index + 1, user, context, runner));
  }
  return undefined;
}

/**
 * Every kind of rule, in the order they are checked: the kind of token first (a 401 says "send
 * another token" before any 403), then the cheap synchronous rules, and custom policies (which
 * may query a database) last, only for users who passed the others.
 */
export const RULE_KINDS = {
  tokenUse,
  userPools,
  groups,
  allGroups,
  notGroups,
  claims,
  scopes,
  policies,
} as const satisfies { readonly [Name in keyof Required<CognitoAuthorizationRules>]: RuleKind<Name, any> };

export type RuleName = keyof typeof RULE_KINDS;
/** The items one kind of rule holds: group names, claim requirements, policies, … */
export type RuleItem<Name extends RuleName> =
  (typeof RULE_KINDS)[Name] extends RuleKind<Name, infer Item> ? Item : never;

/** The kinds as a list, in checking order. */
export const RULE_LIST: readonly RuleKind<RuleName, unknown>[] = Object.values(RULE_KINDS) as RuleKind<
  RuleName,
  unknown
>[];
