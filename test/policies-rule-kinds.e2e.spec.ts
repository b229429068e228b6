/**
 * Every kind of rule alike: stacked decorators of one kind add up, for each kind; @TokenUse
 * admits one kind of token (401 wrong_token_use otherwise); @UserPools admits the tokens of
 * some pools (403 otherwise); each decision is published on the authorize diagnostics channel.
 * Two pools on both adapters; the second accepts ID and access tokens.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  AllGroups,
  CognitoAuthConfigError,
  CognitoAuthModule,
  type CognitoAuthorizeEvent,
  type CognitoUser,
  Groups,
  NotGroups,
  Policy,
  RequireClaim,
  Scopes,
  TokenUse,
  UserPools,
} from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { expectInvalidToken } from './support/auth-e2e.js';
import { call, expectForbidden, expectOk, MESSAGES, startOnEveryAdapter } from './support/policy-e2e.js';
import { okController } from './support/rule-handlers.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

const STAFF_POOL = 'us-east-1_Staff1';
const SHOP_POOL = 'us-east-1_Shop1';

const claimIsOne = (claim: string) =>
  Object.defineProperty((user: CognitoUser) => user.claims[claim] === '1', 'name', { value: `${claim}Is1` });

const StackedController = okController('stacked', {
  'token-use': [TokenUse('id'), TokenUse('access')],
  'user-pools': [UserPools(STAFF_POOL), UserPools(SHOP_POOL)],
  groups: [Groups('a'), Groups('b')],
  'all-groups': [AllGroups('a'), AllGroups('b')],
  'not-groups': [NotGroups('a'), NotGroups('b')],
  claims: [RequireClaim('custom:x', '1'), RequireClaim('custom:y', '1')],
  scopes: [Scopes('api/one'), Scopes('api/two')],
  policies: [Policy(claimIsOne('custom:x')), Policy(claimIsOne('custom:y'))],
});

const TokenUseController = okController('token-use', { id: [TokenUse('id')], access: [TokenUse('access')] });

/** Class-level: every handler, unless it has its own. */
const StaffController = okController('staff', { '/': [], shop: [UserPools(SHOP_POOL)] }, UserPools(STAFF_POOL));

const NoRulesController = okController('open', { '/': [] });

let staff: CognitoTestKit;
let shop: CognitoTestKit;
let apps: Record<HttpAdapterName, RunningApp>;

beforeAll(async () => {
  [staff, shop] = await Promise.all([
    createCognitoTestKit({ userPoolId: STAFF_POOL, clientId: 'staff-client' }),
    createCognitoTestKit({ userPoolId: SHOP_POOL, clientId: 'shop-client' }),
  ]);
  apps = await startOnEveryAdapter({
    imports: [
      CognitoAuthModule.forRoot({
        userPools: [staff.moduleOptions(), { ...shop.moduleOptions(), tokenUse: 'any' }],
      }),
    ],
    controllers: [StackedController, TokenUseController, StaffController, NoRulesController],
  });
});

afterAll(async () => {
  await Promise.all(Object.values(apps ?? {}).map((app) => app.close()));
  await Promise.all([staff, shop].map((kit) => kit?.close()));
});

const WRONG_KIND = (kind: string) => `This route takes ${kind} tokens only`;

/** For each kind: the route with two stacked decorators, tokens it admits, tokens it refuses. */
const STACKING: Array<[string, string, () => string[], () => string[]]> = [
  ['@TokenUse: either kind', '/stacked/token-use', () => [shop.idToken(), shop.accessToken()], () => []],
  ['@UserPools: either pool', '/stacked/user-pools', () => [staff.accessToken(), shop.accessToken()], () => []],
  [
    '@Groups: any group of either',
    '/stacked/groups',
    () => [shop.accessToken({ 'cognito:groups': ['a'] }), shop.accessToken({ 'cognito:groups': ['b'] })],
    () => [shop.accessToken({ 'cognito:groups': ['c'] })],
  ],
  [
    '@AllGroups: every group of both',
    '/stacked/all-groups',
    () => [shop.accessToken({ 'cognito:groups': ['a', 'b'] })],
    () => [shop.accessToken({ 'cognito:groups': ['a'] }), shop.accessToken({ 'cognito:groups': ['b'] })],
  ],
  [
    '@NotGroups: none of the groups of either',
    '/stacked/not-groups',
    () => [shop.accessToken({ 'cognito:groups': ['c'] })],
    () => [shop.accessToken({ 'cognito:groups': ['a'] }), shop.accessToken({ 'cognito:groups': ['b'] })],
  ],
  [
    '@RequireClaim: both requirements',
    '/stacked/claims',
    () => [shop.idToken({ 'custom:x': '1', 'custom:y': '1' })],
    () => [shop.idToken({ 'custom:x': '1' }), shop.idToken({ 'custom:y': '1' })],
  ],
  [
    '@Scopes: the scopes of both',
    '/stacked/scopes',
    () => [shop.accessToken({ scope: 'api/one api/two' })],
    () => [shop.accessToken({ scope: 'api/one' }), shop.accessToken({ scope: 'api/two' })],
  ],
  [
    '@Policy: both policies',
    '/stacked/policies',
    () => [shop.idToken({ 'custom:x': '1', 'custom:y': '1' })],
    () => [shop.idToken({ 'custom:x': '1' }), shop.idToken({ 'custom:y': '1' })],
  ],
];

describe('stacked decorators of one kind add up, for every kind', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(STACKING)('%s', async (_kind, path, admitted, refused) => {
      for (const token of admitted()) expectOk(await call(apps[adapter], path, token));
      for (const token of refused()) expect((await call(apps[adapter], path, token)).status).toBe(403);
    });
  });

  it('a single @TokenUse or @UserPools is a real limit (control)', async () => {
    expectInvalidToken(await call(apps.express, '/token-use/id', shop.accessToken()), WRONG_KIND('id'));
    expectForbidden(await call(apps.express, '/staff', shop.accessToken()), MESSAGES.userPool);
  });
});

describe('@TokenUse(kind): only that kind of token', () => {
  it.each(ADAPTERS)(
    'an ID token on an ID route, an access token on an access route, 401 otherwise (%s)',
    async (adapter) => {
      const app = apps[adapter];
      expectOk(await call(app, '/token-use/id', shop.idToken()));
      expectInvalidToken(await call(app, '/token-use/id', shop.accessToken()), WRONG_KIND('id'));
      expectOk(await call(app, '/token-use/access', shop.accessToken()));
      expectInvalidToken(await call(app, '/token-use/access', shop.idToken()), WRONG_KIND('access'));
      expect((await call(app, '/token-use/id')).status).toBe(401);
    },
  );

  it.each([
    ["@TokenUse('both')", () => TokenUse('both' as never)],
    ['@TokenUse()', () => (TokenUse as any)()],
  ])('%s throws CognitoAuthConfigError when it runs', (_name, decorate) => {
    expect(decorate).toThrow(CognitoAuthConfigError);
  });
});

describe('@TokenUse(kind) that no configured pool accepts', () => {
  let app: RunningApp;
  beforeAll(async () => {
    // The staff pool accepts access tokens only: an ID-token route can never be served.
    app = await startApp({
      imports: [CognitoAuthModule.forRoot(staff.moduleOptions())],
      controllers: [TokenUseController],
    });
  });
  afterAll(() => app?.close());

  it('refuses with 401 and logs the configuration error once', async () => {
    for (let i = 0; i < 3; i++) {
      expectInvalidToken(await call(app, '/token-use/id', staff.accessToken()), WRONG_KIND('id'));
    }
    const logged = app.logs.lines.filter((line) => line.includes('no configured user pool accepts'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("@TokenUse('id')");
    expectOk(await call(app, '/token-use/access', staff.accessToken()));
  });
});

describe('@UserPools(...ids): only tokens of these pools, 403 otherwise', () => {
  it.each(ADAPTERS)('on a class, replaced by a handler-level @UserPools (%s)', async (adapter) => {
    const app = apps[adapter];
    expectOk(await call(app, '/staff', staff.accessToken()));
    expectForbidden(await call(app, '/staff', shop.accessToken()), MESSAGES.userPool);
    expectForbidden(await call(app, '/staff', shop.idToken()), MESSAGES.userPool);
    expectOk(await call(app, '/staff/shop', shop.accessToken()));
    expectForbidden(await call(app, '/staff/shop', staff.accessToken()), MESSAGES.userPool);
    expect((await call(app, '/staff')).status).toBe(401);
  });

  it.each([
    ['@UserPools()', () => UserPools()],
    ["@UserPools('')", () => UserPools('')],
  ])('%s throws CognitoAuthConfigError when it runs', (_name, decorate) => {
    expect(decorate).toThrow(CognitoAuthConfigError);
  });
});

describe('the authorize diagnostics channel: one event per decision, naming the rule that decided', () => {
  const events: CognitoAuthorizeEvent[] = [];
  const keep = (message: unknown) => events.push(message as CognitoAuthorizeEvent);
  beforeEach(() => {
    events.length = 0;
    diagnosticsChannel.subscribe('nestjs-cognito-auth:authorize', keep);
  });
  afterEach(() => diagnosticsChannel.unsubscribe('nestjs-cognito-auth:authorize', keep));

  it.each(ADAPTERS)('%s', async (adapter) => {
    const app = apps[adapter];
    await call(app, '/open', shop.accessToken());
    await call(app, '/stacked/groups', shop.accessToken({ 'cognito:groups': ['a'] }));
    await call(app, '/stacked/groups', shop.accessToken());
    await call(app, '/token-use/id', shop.accessToken());
    await call(app, '/staff', shop.accessToken());
    await call(app, '/stacked/scopes', shop.accessToken());
    await call(app, '/stacked/policies', shop.idToken({ 'custom:x': '1', 'custom:y': '1' }));
    await call(app, '/stacked/policies', shop.idToken());
    await call(app, '/open');
    expect(events).toEqual([
      { result: 'allowed', rule: 'none', status: 200 },
      { result: 'allowed', rule: 'groups', status: 200 },
      { result: 'denied', rule: 'groups', status: 403 },
      { result: 'denied', rule: 'tokenUse', status: 401 },
      { result: 'denied', rule: 'userPools', status: 403 },
      { result: 'denied', rule: 'scopes', status: 403 },
      { result: 'allowed', rule: 'policies', status: 200 },
      { result: 'denied', rule: 'policies', status: 403 },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/eyJ/);
  });
});
