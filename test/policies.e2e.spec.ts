/**
 * The built-in group and claim rules: @AllGroups, @NotGroups and @RequireClaim, alone and
 * combined with @Groups, at class and handler level, over HTTP on both adapters and in GraphQL
 * resolvers, and how the OpenAPI document shows them. Custom policies are in
 * policies-custom.e2e.spec.ts, stacking and the other kinds in policies-rule-kinds.e2e.spec.ts.
 */
import { AllGroups, CognitoAuthConfigError, Groups, NotGroups, Public, RequireClaim } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { expectBareChallenge } from './support/auth-e2e.js';
import {
  expectFieldAllowed,
  expectFieldRefused,
  expectForbidden,
  expectOk,
  MESSAGES,
  useAppsOnEveryAdapter,
  useOpenApiDocument,
} from './support/policy-e2e.js';
import { okController, trueResolver } from './support/rule-handlers.js';
import { ADAPTERS } from './support/test-app.js';

// ---------------------------------------------------------------------------------------------
// Controllers and resolvers under test

const GroupRulesController = okController('groups', {
  all: [AllGroups('admin', 'ops')],
  none: [NotGroups('suspended', 'banned')],
  'any-but-suspended': [Groups('admin', 'ops'), NotGroups('suspended')],
  stacked: [AllGroups('a'), AllGroups('b')],
});

const ClassGroupRulesController = okController(
  'class-groups',
  { inherited: [], 'own-all': [AllGroups('lead')], 'own-none': [NotGroups('interns')], public: [Public()] },
  AllGroups('team'),
  NotGroups('suspended'),
);

const ClaimsController = okController('claims', {
  tenant: [RequireClaim('custom:tenant', 'acme', 'globex')],
  present: [RequireClaim('email_verified')],
  verified: [RequireClaim('email_verified', 'true')],
  'verified-boolean': [RequireClaim('email_verified', true)],
  both: [RequireClaim('custom:tenant', 'acme'), RequireClaim('email_verified', 'true')],
  'inherited-name': [RequireClaim('constructor')],
});

const ClassClaimsController = okController(
  'class-claims',
  { inherited: [], own: [RequireClaim('custom:tenant', 'globex')] },
  RequireClaim('custom:tenant', 'acme'),
);

const GroupClaimResolver = trueResolver({
  allGroups: [AllGroups('admin', 'ops')],
  notSuspended: [NotGroups('suspended')],
  anyGroup: [Groups('admin')],
  tenant: [RequireClaim('custom:tenant', 'acme')],
});

const { kit, apps, at } = useAppsOnEveryAdapter(
  { tokenUse: 'any' },
  {
    controllers: [GroupRulesController, ClassGroupRulesController, ClaimsController, ClassClaimsController],
    providers: [GroupClaimResolver],
  },
);

const withGroups = (...groups: string[]) => kit.accessToken({ 'cognito:groups': groups });

describe('decorators refuse empty or malformed rules when they run', () => {
  it.each([
    ['@Groups()', () => Groups()],
    ['@AllGroups()', () => AllGroups()],
    ['@NotGroups()', () => NotGroups()],
    ["@NotGroups('')", () => NotGroups('')],
    ["@RequireClaim('')", () => RequireClaim('')],
    ["@RequireClaim('a', {})", () => RequireClaim('a', {} as never)],
  ])('%s throws CognitoAuthConfigError', (_name, decorate) => {
    expect(decorate).toThrow(CognitoAuthConfigError);
  });
});

describe('@AllGroups(...names): every one of them', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/groups/all', withGroups('admin', 'ops')));
    expectOk(await at(adapter, '/groups/all', withGroups('ops', 'x', 'admin')));
    expectForbidden(await at(adapter, '/groups/all', withGroups('admin')), MESSAGES.allGroups);
    expectForbidden(await at(adapter, '/groups/all', withGroups('ops')), MESSAGES.allGroups);
    expectForbidden(await at(adapter, '/groups/all', kit.accessToken()), MESSAGES.allGroups);
    expectBareChallenge(await at(adapter, '/groups/all'));
  });

  it.each(ADAPTERS)('stacked decorators add up (%s)', async (adapter) => {
    expectOk(await at(adapter, '/groups/stacked', withGroups('a', 'b')));
    expectForbidden(await at(adapter, '/groups/stacked', withGroups('a')));
    expectForbidden(await at(adapter, '/groups/stacked', withGroups('b')));
  });
});

describe('@NotGroups(...names): none of them, whatever other rules allow', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/groups/none', kit.accessToken()));
    expectOk(await at(adapter, '/groups/none', withGroups('admin')));
    expectForbidden(await at(adapter, '/groups/none', withGroups('suspended')), MESSAGES.notGroups);
    expectForbidden(await at(adapter, '/groups/none', withGroups('admin', 'banned')), MESSAGES.notGroups);
    expectBareChallenge(await at(adapter, '/groups/none'));
  });

  it.each(ADAPTERS)('with @Groups: admins or ops, but not suspended ones (%s)', async (adapter) => {
    expectOk(await at(adapter, '/groups/any-but-suspended', withGroups('ops')));
    expectForbidden(
      await at(adapter, '/groups/any-but-suspended', withGroups('admin', 'suspended')),
      MESSAGES.notGroups,
    );
    expectForbidden(await at(adapter, '/groups/any-but-suspended', withGroups('suspended')), MESSAGES.anyGroup);
  });
});

describe('group rules at class and handler level: a handler rule replaces the class rule of the same kind', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    // inherited: both class rules
    expectOk(await at(adapter, '/class-groups/inherited', withGroups('team')));
    expectForbidden(await at(adapter, '/class-groups/inherited', withGroups('lead')));
    expectForbidden(await at(adapter, '/class-groups/inherited', withGroups('team', 'suspended')));
    // own @AllGroups('lead') replaces @AllGroups('team'); the class @NotGroups still applies
    expectOk(await at(adapter, '/class-groups/own-all', withGroups('lead')));
    expectForbidden(await at(adapter, '/class-groups/own-all', withGroups('team')));
    expectForbidden(await at(adapter, '/class-groups/own-all', withGroups('lead', 'suspended')));
    // own @NotGroups('interns') replaces @NotGroups('suspended'); the class @AllGroups still applies
    expectOk(await at(adapter, '/class-groups/own-none', withGroups('team', 'suspended')));
    expectForbidden(await at(adapter, '/class-groups/own-none', withGroups('team', 'interns')));
    expectForbidden(await at(adapter, '/class-groups/own-none', withGroups('interns')));
    // @Public() wins over every rule
    expectOk(await at(adapter, '/class-groups/public'));
    expectOk(await at(adapter, '/class-groups/public', withGroups('suspended')));
  });
});

/** [claim value, admitted] for a route that needs `custom:tenant` acme or globex. */
const TENANT_CASES: Array<[string, unknown, boolean]> = [
  ['acme', 'acme', true],
  ['globex', 'globex', true],
  ['another case', 'ACME', false],
  ['a trailing space', 'acme ', false],
  ['null', null, false],
  ['absent', undefined, false],
  ['an object', { name: 'acme' }, false],
  ['an array with an accepted item', ['other', 'acme'], true],
  ['an array without one', ['other'], false],
];

/** [claim value, admitted] for `email_verified` = 'true'. */
const VERIFIED_CASES: Array<[string, unknown, boolean]> = [
  ['true', true, true],
  ["'true'", 'true', true],
  ['false', false, false],
  ["'false'", 'false', false],
  ['absent', undefined, false],
];

/** [claim value, admitted] for `email_verified` present. */
const PRESENT_CASES: Array<[string, unknown, boolean]> = [
  ['true', true, true],
  ['false (present is present)', false, true],
  ["''", '', true],
  ['null', null, false],
  ['absent', undefined, false],
];

describe.each(ADAPTERS)('@RequireClaim on %s', (adapter) => {
  const expectAdmitted = async (path: string, claim: string, value: unknown, admitted: boolean) => {
    const res = await at(adapter, path, kit.idToken({ [claim]: value }));
    if (admitted) expectOk(res);
    else expectForbidden(res, MESSAGES.claim(claim));
  };

  it.each(TENANT_CASES)(
    '(claim, ...values): equal to one of the values, as text: %s',
    async (_name, value, admitted) => {
      await expectAdmitted('/claims/tenant', 'custom:tenant', value, admitted);
    },
  );

  it.each(VERIFIED_CASES)("email_verified 'true' or true match both forms: %s", async (_name, value, admitted) => {
    await expectAdmitted('/claims/verified', 'email_verified', value, admitted);
    await expectAdmitted('/claims/verified-boolean', 'email_verified', value, admitted);
  });

  it.each(PRESENT_CASES)('(claim): present with any value: %s', async (_name, value, admitted) => {
    await expectAdmitted('/claims/present', 'email_verified', value, admitted);
  });

  it("reads the token's own claims, not inherited object properties", async () => {
    expectForbidden(await at(adapter, '/claims/inherited-name', kit.accessToken()));
  });

  it('stacked requirements add up', async () => {
    expectOk(await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'acme', email_verified: true })));
    expectForbidden(await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'acme', email_verified: false })));
    expectForbidden(
      await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'globex', email_verified: true })),
    );
  });

  it('at class and handler level: a handler requirement replaces the class requirement', async () => {
    expectOk(await at(adapter, '/class-claims/inherited', kit.accessToken({ 'custom:tenant': 'acme' })));
    expectForbidden(await at(adapter, '/class-claims/inherited', kit.accessToken({ 'custom:tenant': 'globex' })));
    expectOk(await at(adapter, '/class-claims/own', kit.accessToken({ 'custom:tenant': 'globex' })));
    expectForbidden(await at(adapter, '/class-claims/own', kit.accessToken({ 'custom:tenant': 'acme' })));
  });
});

describe('GraphQL resolvers: the same group and claim rules', () => {
  it.each(ADAPTERS)('group rules: any-of, all-of, none-of (%s)', async (adapter) => {
    const app = apps[adapter];
    await expectFieldAllowed(app, 'anyGroup', withGroups('admin'));
    await expectFieldRefused(app, 'anyGroup', withGroups('ops'));
    await expectFieldAllowed(app, 'allGroups', withGroups('admin', 'ops'));
    await expectFieldRefused(app, 'allGroups', withGroups('admin'));
    await expectFieldAllowed(app, 'notSuspended', withGroups('admin'));
    await expectFieldRefused(app, 'notSuspended', withGroups('suspended'));
    await expectFieldRefused(app, 'notSuspended', undefined, 'UNAUTHENTICATED');
  });

  it.each(ADAPTERS)('claim requirement (%s)', async (adapter) => {
    await expectFieldAllowed(apps[adapter], 'tenant', kit.accessToken({ 'custom:tenant': 'acme' }));
    await expectFieldRefused(apps[adapter], 'tenant', kit.accessToken({ 'custom:tenant': 'globex' }));
  });
});

describe('OpenAPI: each group and claim rule shows a 403 and an extension naming it', () => {
  const { document, operation } = useOpenApiDocument(() => apps.express.app);

  it('names each rule, stacked ones included', () => {
    expect(operation('/groups/all')['x-required-all-groups']).toEqual(['admin', 'ops']);
    expect(operation('/groups/stacked')['x-required-all-groups']).toEqual(['a', 'b']);
    expect(operation('/groups/none')['x-excluded-groups']).toEqual(['suspended', 'banned']);
    expect(operation('/groups/any-but-suspended')).toMatchObject({
      'x-required-groups': ['admin', 'ops'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/claims/both')['x-required-claims']).toEqual([
      { claim: 'custom:tenant', values: ['acme'] },
      { claim: 'email_verified', values: ['true'] },
    ]);
    expect(operation('/claims/present')['x-required-claims']).toEqual([{ claim: 'email_verified' }]);
    for (const path of ['/groups/all', '/groups/none', '/claims/tenant']) {
      expect(operation(path).responses['403'], path).toBeDefined();
      expect(operation(path).security, path).toEqual([{ cognito: [] }]);
    }
    expect(JSON.stringify(document())).not.toContain('x-cognito-auth');
  });

  it('class rules apply to handlers without their own rule of that kind', () => {
    expect(operation('/class-groups/inherited')).toMatchObject({
      'x-required-all-groups': ['team'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/class-groups/own-all')).toMatchObject({
      'x-required-all-groups': ['lead'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/class-claims/own')['x-required-claims']).toEqual([
      { claim: 'custom:tenant', values: ['globex'] },
    ]);
  });

  it('@Public() routes show no rule and no 403', () => {
    expect(operation('/class-groups/public').security).toEqual([]);
    expect(operation('/class-groups/public').responses['403']).toBeUndefined();
    expect(operation('/class-groups/public')['x-required-all-groups']).toBeUndefined();
  });
});
