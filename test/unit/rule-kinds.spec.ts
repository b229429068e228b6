import 'reflect-metadata';
import { type ExecutionContext, Logger } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ruleDecorator } from '../../lib/decorators/rule-decorator.js';
import { CognitoAuthConfigError } from '../../lib/errors/cognito-auth.errors.js';
import type { CognitoUser } from '../../lib/interfaces/cognito-user.interface.js';
import { hasAnyRule, NO_RULES, resolveFallbackPolicy, rulesFrom } from '../../lib/policies/authorization-rules.js';
import { authorize } from '../../lib/policies/authorize.js';
import { PolicyRunner } from '../../lib/policies/policy-runner.js';
import type { RuleKind } from '../../lib/policies/rule-kind.js';
import { RULE_KINDS, RULE_LIST } from '../../lib/policies/rule-kinds.js';

/** For each kind: decorator arguments, and the user that the resulting rule admits and one it refuses. */
const SAMPLES: Record<keyof typeof RULE_KINDS, { args: unknown[]; admits: object; refuses: object }> = {
  tokenUse: { args: ['id'], admits: { tokenUse: 'id' }, refuses: { tokenUse: 'access' } },
  userPools: { args: ['us-east-1_A'], admits: { userPoolId: 'us-east-1_A' }, refuses: { userPoolId: 'us-east-1_B' } },
  groups: { args: ['a'], admits: { groups: ['a'] }, refuses: { groups: [] } },
  allGroups: { args: ['a'], admits: { groups: ['a'] }, refuses: { groups: [] } },
  notGroups: { args: ['a'], admits: { groups: [] }, refuses: { groups: ['a'] } },
  claims: { args: ['x', '1'], admits: { claims: { x: '1' } }, refuses: { claims: { x: '2' } } },
  scopes: { args: ['s'], admits: { scopes: ['s'] }, refuses: { scopes: [] } },
  policies: {
    args: [(user: CognitoUser) => user.sub === 'ok'],
    admits: { sub: 'ok' },
    refuses: { sub: 'no' },
  },
};

const baseUser = { sub: 'ok', tokenUse: 'access', userPoolId: 'us-east-1_A', groups: [], scopes: [], claims: {} };
const userWith = (fields: object) => Object.freeze({ ...baseUser, ...fields }) as unknown as CognitoUser;
const context = {} as ExecutionContext;
const runner = {
  run(policy: any, user: CognitoUser) {
    if (policy(user, context) !== true) throw new Error('refused');
  },
};

describe('the table of rule kinds', () => {
  it('declares each metadata key, fallbackPolicy field and OpenAPI extension once', () => {
    const distinct = (values: string[]) => new Set(values).size === values.length;
    expect(distinct(RULE_LIST.map((kind) => kind.metadataKey))).toBe(true);
    expect(distinct(RULE_LIST.map((kind) => kind.openApi.extension))).toBe(true);
    expect(RULE_LIST.map((kind) => kind.name)).toEqual(Object.keys(RULE_KINDS));
    expect(Object.keys(NO_RULES).sort()).toEqual(Object.keys(RULE_KINDS).sort());
  });

  it.each(RULE_LIST.map((kind) => [kind.name, kind] as const))(
    '%s: no decorator arguments is a configuration error',
    (_name, kind) => {
      expect(() => kind.fromArguments([])).toThrow(CognitoAuthConfigError);
    },
  );

  it.each(Object.entries(SAMPLES))('%s: checks the user and refuses with an error', (name, sample) => {
    const kind = RULE_KINDS[name as keyof typeof RULE_KINDS];
    const rules = rulesFrom((ruleName) => (ruleName === name ? kind.fromArguments(sample.args) : undefined));
    expect(hasAnyRule(rules)).toBe(true);
    expect(() => authorize(rules, userWith(sample.admits), context, runner)).not.toThrow();
    expect(() => authorize(rules, userWith(sample.refuses), context, runner)).toThrow();
  });

  it.each(Object.entries(SAMPLES))('%s: stacked decorators keep every item', (name, sample) => {
    const kind: RuleKind<string, unknown> = RULE_KINDS[name as keyof typeof RULE_KINDS];
    class Target {
      handler() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Target.prototype, 'handler')!;
    ruleDecorator(kind, sample.args)(Target.prototype, 'handler', descriptor);
    ruleDecorator(kind, sample.args)(Target.prototype, 'handler', descriptor);
    expect(Reflect.getOwnMetadata(kind.metadataKey, descriptor.value)).toHaveLength(2);
  });

  it('fallbackPolicy accepts each kind by its name and nothing else', () => {
    const rules = resolveFallbackPolicy({ tokenUse: 'access', userPools: ['us-east-1_A'], groups: ['a'] })!;
    expect({ tokenUse: rules.tokenUse, userPools: rules.userPools, groups: rules.groups }).toEqual({
      tokenUse: ['access'],
      userPools: ['us-east-1_A'],
      groups: ['a'],
    });
    expect(() => resolveFallbackPolicy({ tokenUses: 'access' })).toThrow(/unknown rules: tokenUses/);
  });
});

describe('the token kinds the configured pools accept, for @TokenUse', () => {
  const pools = (...uses: string[]) => new Map(uses.map((tokenUse, index) => [`issuer-${index}`, { tokenUse }]));
  const acceptedBy = (config: ConstructorParameters<typeof PolicyRunner>[2]) =>
    new PolicyRunner({}, new Logger('test'), config).acceptedTokenUses;

  it.each<[string, ReadonlyMap<string, { tokenUse: string }>, string[]]>([
    ['one access pool', pools('access'), ['access']],
    ['an access pool and an ID pool', pools('access', 'id'), ['access', 'id']],
    ["a pool with tokenUse 'any'", pools('any'), ['access', 'id']],
  ])('%s', (_name, poolsByIssuer, expected) => {
    expect([...acceptedBy({ poolsByIssuer })!].sort()).toEqual(expected);
  });

  it('unknown with a userPools resolver (pools arrive at run time) or no configuration', () => {
    expect(acceptedBy({ poolsByIssuer: new Map(), userPoolResolver: () => null })).toBeUndefined();
    expect(acceptedBy(undefined)).toBeUndefined();
  });
});
