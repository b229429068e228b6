/**
 * The fallbackPolicy option: the rules of routes that have none of their own, through forRoot
 * and forRootAsync, on both adapters; @Public() and route-level rules (handler or class) replace
 * it; validated at start-up; the sample app's COGNITO_FALLBACK_GROUPS; the OpenAPI document.
 */
import { type ExecutionContext, Injectable, type ModuleMetadata } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  CognitoAuthConfigError,
  CognitoAuthModule,
  type CognitoAuthOptions,
  type CognitoAuthOptionsFactory,
  type CognitoAuthorizationRules,
  type CognitoPolicyHandler,
  type CognitoUser,
  Groups,
  NotGroups,
  Policy,
  Public,
  Scopes,
} from 'nestjs-cognito-auth';
import { addCognitoBearerAuth, applyCognitoSecurity } from 'nestjs-cognito-auth/swagger';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleGraphqlModule } from '../sample-app/src/graphql.module.js';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { useAppsClosedAfterAll, useKit } from './support/kit-app.js';
import { expectBareChallenge } from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { expectForbidden, expectOk, graphql } from './support/policy-e2e.js';
import { okController, trueResolver } from './support/rule-handlers.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

const FallbackController = okController('fallback', {
  default: [],
  public: [Public()],
  'not-public': [Public(false)],
  'own-groups': [Groups('admin')],
  'own-scopes': [Scopes('orders/read')],
  'own-policy': [Policy(() => true)],
});

const ClassRuleController = okController('fallback-class', { inherited: [] }, NotGroups('suspended'));

const PublicClassController = okController('fallback-public-class', { open: [], closed: [Public(false)] }, Public());

const FallbackResolver = trueResolver({ byDefault: [], ownGroups: [Groups('admin')] });

/** A fallback policy class, resolved like `@Policy(Class)`: here not a provider of the app. */
@Injectable()
class VerifiedEmailPolicy implements CognitoPolicyHandler {
  handle(user: CognitoUser, _context: ExecutionContext): boolean {
    return user.claims.email_verified === true;
  }
}

const STAFF_ONLY: CognitoAuthorizationRules = { groups: ['staff'] };

@Injectable()
class OptionsFromClass implements CognitoAuthOptionsFactory {
  createCognitoAuthOptions(): CognitoAuthOptions {
    return { ...kit.moduleOptions(), fallbackPolicy: STAFF_ONLY };
  }
}

const controllers = [FallbackController, ClassRuleController, PublicClassController];

/** The ways to give the option: forRoot, and forRootAsync with useFactory (ConfigService) and useClass. */
const VARIANTS: Array<[string, () => NonNullable<ModuleMetadata['imports']>]> = [
  ['forRoot', () => [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), fallbackPolicy: STAFF_ONLY })]],
  [
    'forRootAsync (useFactory)',
    () => [
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [() => ({ cognito: { ...kit.moduleOptions(), fallbackPolicy: STAFF_ONLY } })],
      }),
      CognitoAuthModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: async (config: ConfigService) => config.getOrThrow<CognitoAuthOptions>('cognito'),
      }),
    ],
  ],
  ['forRootAsync (useClass)', () => [CognitoAuthModule.forRootAsync({ useClass: OptionsFromClass })]],
];

const kit = useKit();
const running = useAppsClosedAfterAll();

async function start(metadata: ModuleMetadata, adapter: HttpAdapterName = 'express'): Promise<RunningApp> {
  const app = await startApp(metadata, { adapter });
  running.push(app);
  return app;
}

const call = (app: RunningApp, path: string, claims?: Record<string, unknown>) =>
  get(`${app.url}${path}`, claims === undefined ? {} : bearer(kit.accessToken(claims)));

const staff = { 'cognito:groups': ['staff'] };
const nobody = {};

describe.each(VARIANTS)('fallbackPolicy { groups: [staff] } through %s', (_name, imports) => {
  const apps = {} as Record<HttpAdapterName, RunningApp>;
  beforeAll(async () => {
    for (const adapter of ADAPTERS) {
      apps[adapter] = await start(
        { imports: [...imports(), sampleGraphqlModule(adapter)], controllers, providers: [FallbackResolver] },
        adapter,
      );
    }
  });

  it.each(ADAPTERS)('routes without rules need the fallback group (%s)', async (adapter) => {
    expectOk(await call(apps[adapter], '/fallback/default', staff));
    expectForbidden(await call(apps[adapter], '/fallback/default', nobody));
    expectBareChallenge(await call(apps[adapter], '/fallback/default'));
    // @Public(false) is not a rule: the fallback applies.
    expectOk(await call(apps[adapter], '/fallback/not-public', staff));
    expectForbidden(await call(apps[adapter], '/fallback/not-public', nobody));
    expectForbidden(await call(apps[adapter], '/fallback-public-class/closed', nobody));
  });

  it.each(ADAPTERS)('@Public() opts out (%s)', async (adapter) => {
    expectOk(await call(apps[adapter], '/fallback/public'));
    expectOk(await call(apps[adapter], '/fallback/public', nobody));
    expectOk(await call(apps[adapter], '/fallback-public-class/open'));
  });

  it.each(ADAPTERS)('a handler-level rule of any kind replaces the fallback (%s)', async (adapter) => {
    expectOk(await call(apps[adapter], '/fallback/own-groups', { 'cognito:groups': ['admin'] }));
    expectForbidden(await call(apps[adapter], '/fallback/own-groups', staff));
    expectOk(await call(apps[adapter], '/fallback/own-scopes', { scope: 'orders/read' }));
    expectOk(await call(apps[adapter], '/fallback/own-policy', nobody));
  });

  it.each(ADAPTERS)('a class-level rule replaces the fallback (%s)', async (adapter) => {
    expectOk(await call(apps[adapter], '/fallback-class/inherited', nobody));
    expectForbidden(
      await call(apps[adapter], '/fallback-class/inherited', { 'cognito:groups': ['staff', 'suspended'] }),
    );
  });

  it.each(ADAPTERS)('GraphQL resolvers get the same fallback (%s)', async (adapter) => {
    const query = (field: string, claims: Record<string, unknown>) =>
      graphql(apps[adapter], `{ ${field} }`, kit.accessToken(claims));
    expect(await query('byDefault', staff)).toEqual({ data: { byDefault: true } });
    expect((await query('byDefault', nobody)).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await query('ownGroups', { 'cognito:groups': ['admin'] })).toEqual({ data: { ownGroups: true } });
  });
});

describe('a fallback policy with every kind of rule', () => {
  const rules: CognitoAuthorizationRules = {
    groups: ['staff', 'contractors'],
    allGroups: ['employees'],
    notGroups: ['suspended'],
    scopes: ['api/read'],
    claims: { 'custom:tenant': ['acme'], email_verified: true },
    policies: [VerifiedEmailPolicy, (user) => user.sub !== 'blocked'],
  };
  const valid = {
    'cognito:groups': ['staff', 'employees'],
    scope: 'api/read',
    'custom:tenant': 'acme',
    email_verified: true,
  };
  const apps = {} as Record<HttpAdapterName, RunningApp>;
  beforeAll(async () => {
    for (const adapter of ADAPTERS) {
      apps[adapter] = await start(
        { imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), fallbackPolicy: rules })], controllers },
        adapter,
      );
    }
  });

  it.each(ADAPTERS)('each rule can refuse (%s)', async (adapter) => {
    const app = apps[adapter];
    expectOk(await call(app, '/fallback/default', valid));
    expectForbidden(await call(app, '/fallback/default', { ...valid, 'cognito:groups': ['employees'] }));
    expectForbidden(await call(app, '/fallback/default', { ...valid, 'cognito:groups': ['staff'] }));
    expectForbidden(
      await call(app, '/fallback/default', { ...valid, 'cognito:groups': ['staff', 'employees', 'suspended'] }),
    );
    expectForbidden(await call(app, '/fallback/default', { ...valid, 'custom:tenant': 'globex' }));
    expectForbidden(await call(app, '/fallback/default', { ...valid, email_verified: 'false' }));
    expectForbidden(await call(app, '/fallback/default', { ...valid, sub: 'blocked' }));
    const noScope = await call(app, '/fallback/default', { ...valid, scope: 'openid' });
    expect(noScope.status).toBe(403);
    expect(noScope.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="api/read"');
    // The email_verified requirement is text 'true': the policy class sees the raw boolean.
    expectForbidden(await call(app, '/fallback/default', { ...valid, email_verified: 'true' }));
  });

  it.each(ADAPTERS)('route-level rules still replace all of it (%s)', async (adapter) => {
    expectOk(await call(apps[adapter], '/fallback/own-policy', nobody));
    expectOk(await call(apps[adapter], '/fallback/public'));
  });
});

describe('a fallback policy with a token kind and user pools', () => {
  it.each(ADAPTERS)('routes without rules take that kind of token from those pools only (%s)', async (adapter) => {
    const app = await start(
      {
        imports: [
          CognitoAuthModule.forRoot({
            ...kit.moduleOptions(),
            tokenUse: 'any',
            fallbackPolicy: { tokenUse: 'access', userPools: [kit.userPoolId] },
          }),
        ],
        controllers,
      },
      adapter,
    );
    expectOk(await call(app, '/fallback/default', nobody));
    const idToken = await get(`${app.url}/fallback/default`, bearer(kit.idToken()));
    expect({ status: idToken.status, challenge: idToken.headers['www-authenticate'] }).toEqual({
      status: 401,
      challenge: 'Bearer error="invalid_token", error_description="This route takes access tokens only"',
    });
    expectOk(await get(`${app.url}/fallback/own-groups`, bearer(kit.idToken({ 'cognito:groups': ['admin'] }))));
  });
});

describe('fallbackPolicy is validated at start-up', () => {
  it.each<[string, unknown, RegExp]>([
    ['an unknown rule (a typo must not open every route)', { group: ['staff'] }, /unknown rules: group/],
    ['an empty group list', { groups: [] }, /fallbackPolicy.groups must be a non-empty array/],
    ['a blank group name', { notGroups: [''] }, /non-empty strings/],
    ['a list that is not an array', { scopes: 'api/read' }, /fallbackPolicy.scopes/],
    ['empty claims', { claims: {} }, /fallbackPolicy.claims/],
    ['a claim with no values', { claims: { 'custom:tenant': [] } }, /custom:tenant/],
    ['a policy that is not one', { policies: ['admin'] }, /fallbackPolicy.policies/],
    ['not an object', ['staff'], /fallbackPolicy must be an object/],
    ['a token kind that is not one', { tokenUse: 'both' }, /fallbackPolicy.tokenUse must be 'access' or 'id'/],
    ['an empty user pool list', { userPools: [] }, /fallbackPolicy.userPools must be a non-empty array/],
  ])('%s', async (_name, fallbackPolicy, message) => {
    const boot = startApp({
      imports: [
        CognitoAuthModule.forRoot({
          ...kit.moduleOptions(),
          fallbackPolicy: fallbackPolicy as CognitoAuthorizationRules,
        }),
      ],
      controllers: [FallbackController],
    });
    await expect(boot).rejects.toThrow(CognitoAuthConfigError);
    await expect(boot).rejects.toThrow(message);
  });

  it('an empty object keeps the default: any valid token', async () => {
    const app = await start({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), fallbackPolicy: {} })],
      controllers,
    });
    expectOk(await call(app, '/fallback/default', nobody));
  });
});

describe.each(ADAPTERS)('sample app with COGNITO_FALLBACK_GROUPS (%s)', (adapter) => {
  let sample: RunningApp;
  beforeAll(async () => {
    sample = await startSampleApp(kit, { adapter, env: { COGNITO_FALLBACK_GROUPS: 'staff, ops' } });
    running.push(sample);
  });

  it('routes with no rule of their own need one of the groups', async () => {
    expect((await call(sample, '/me', { 'cognito:groups': ['ops'] })).status).toBe(200);
    expect((await call(sample, '/me/sub', { 'cognito:groups': ['staff'] })).status).toBe(200);
    expectForbidden(await call(sample, '/me', nobody));
    expectBareChallenge(await call(sample, '/me'));
  });

  it('@Public() and route-level rules still win', async () => {
    expect((await get(`${sample.url}/health`)).status).toBe(200);
    expectOk(await call(sample, '/admin', { 'cognito:groups': ['admin'] }));
    expectOk(await call(sample, '/policies/tenant', { 'custom:tenant': 'acme' }));
    expectOk(await call(sample, '/orders', { scope: 'orders/read' }));
  });

  it('the GraphQL me query follows the fallback too', async () => {
    const me = (claims: Record<string, unknown>) => graphql(sample, '{ me { sub } }', kit.accessToken(claims));
    expect((await me(nobody)).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await me(staff)).data.me.sub).toEqual(expect.any(String));
  });

  it('without the variable, any valid token is enough', async () => {
    const plain = await startSampleApp(kit, { adapter });
    running.push(plain);
    expect((await call(plain, '/me', nobody)).status).toBe(200);
  });
});

describe('OpenAPI: applyCognitoSecurity({ fallbackPolicy }) shows the fallback on routes without rules', () => {
  it('adds its 403 and rules where the route has none, and leaves the others alone', async () => {
    const app = await start({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), fallbackPolicy: STAFF_ONLY })],
      controllers,
    });
    const config = addCognitoBearerAuth(new DocumentBuilder().setTitle('fallback')).build();
    const rules: CognitoAuthorizationRules = {
      groups: ['staff'],
      notGroups: ['suspended'],
      policies: [VerifiedEmailPolicy],
    };
    const document: any = applyCognitoSecurity(SwaggerModule.createDocument(app.app, config), {
      fallbackPolicy: rules,
    });
    const op = (path: string) => document.paths[path].get;
    expect(op('/fallback/default')).toMatchObject({
      'x-required-groups': ['staff'],
      'x-excluded-groups': ['suspended'],
      'x-policies': ['VerifiedEmailPolicy'],
    });
    expect(op('/fallback/default').responses['403']).toBeDefined();
    expect(op('/fallback/own-scopes')['x-required-scopes']).toEqual(['orders/read']);
    expect(op('/fallback/own-scopes')['x-required-groups']).toBeUndefined();
    expect(op('/fallback-class/inherited')['x-excluded-groups']).toEqual(['suspended']);
    expect(op('/fallback-class/inherited')['x-required-groups']).toBeUndefined();
    expect(op('/fallback/public').responses['403']).toBeUndefined();
    expect(op('/fallback/public').security).toEqual([]);
  });

  it('refuses an invalid fallback policy as the module does', () => {
    const document = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} };
    expect(() => applyCognitoSecurity(document as never, { fallbackPolicy: { groups: [] } })).toThrow(
      CognitoAuthConfigError,
    );
  });
});
