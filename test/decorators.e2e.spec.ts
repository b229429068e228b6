/**
 * The public API. Decorators on real controllers, the module's configuration paths
 * (forRoot, forRootAsync with useFactory / useClass / useExisting, globalGuard: false), boot-time
 * validation of the options, and isolation of two apps in one process.
 */
import {
  Controller,
  type DynamicModule,
  Get,
  Injectable,
  type INestApplication,
  Module,
  type ModuleMetadata,
  UseGuards,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  CognitoAuthConfigError,
  CognitoAuthGuard,
  CognitoAuthModule,
  type CognitoAuthOptions,
  type CognitoAuthOptionsFactory,
  type CognitoUser,
  CurrentUser,
  Groups,
  Public,
  Scopes,
} from 'nestjs-cognito-auth';
import { decodeJwtPart } from 'nestjs-cognito-auth/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MeController } from './support/fixture-app.js';
import { DESCRIPTIONS as D, expectBareChallenge, expectInvalidToken, startModuleApp } from './support/auth-e2e.js';
import type { HttpResult } from './support/http.js';
import { useApp, useAppsClosedAfterAll, useKit } from './support/kit-app.js';
import { call, expectForbidden } from './support/policy-e2e.js';
import { okController } from './support/rule-handlers.js';
import { CapturedLogger, type RunningApp, startApp } from './support/test-app.js';

// ---------------------------------------------------------------------------------------------
// Controllers under test

@Controller('handler-public')
class HandlerPublicController {
  @Public()
  @Get('open')
  open(@CurrentUser() user: CognitoUser | null) {
    return { user };
  }

  @Get('closed')
  closed(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}

@Public()
@Controller('class-public')
class ClassPublicController {
  @Get('open')
  open(@CurrentUser() user: CognitoUser | null) {
    return { user };
  }

  @Public(false)
  @Get('closed')
  closed(@CurrentUser('username') username: string) {
    return { username };
  }
}

@Controller('fields')
class FieldsController {
  @Get('email')
  email(@CurrentUser('email') email: string | undefined) {
    return { email: email ?? null };
  }

  @Get('custom')
  custom(@CurrentUser('custom:tenant') tenant: string | undefined, @CurrentUser('groups') groups: string[]) {
    return { tenant: tenant ?? null, groups };
  }
}

const GroupsController = okController('groups', { 'any-of': [Groups('a', 'b')] });

const ScopesController = okController('scopes', { 'all-of': [Scopes('x', 'y')] });

const OverrideController = okController(
  'override',
  { inherited: [], overridden: [Groups('handler-group')] },
  Groups('class-group'),
);

/** For `globalGuard: false`: only the route with `@UseGuards` is guarded. */
@Controller('per-route')
class PerRouteController {
  @UseGuards(CognitoAuthGuard)
  @Get('closed')
  closed(@CurrentUser() user: CognitoUser) {
    return { username: user.username };
  }

  @Get('open')
  open(@CurrentUser() user: CognitoUser | null) {
    return { user };
  }
}

// ---------------------------------------------------------------------------------------------

/** Both kits use the same issuer string: only their keys (and JWKS servers) differ. */
const SHARED_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1';
const kit = useKit({ issuer: SHARED_ISSUER });
const kitB = useKit({ issuer: SHARED_ISSUER });
/** Apps started by the tests, closed after the suite. */
const apps = useAppsClosedAfterAll();
/** tokenUse 'any', every test controller plus the sample MeController. */
const app = useApp(() =>
  startModuleApp(kit, { tokenUse: 'any' }, [
    MeController,
    HandlerPublicController,
    ClassPublicController,
    FieldsController,
    GroupsController,
    ScopesController,
    OverrideController,
  ]),
);

/** Asserts a 200 without a challenge; gives the JSON body. */
function okBody(res: HttpResult): any {
  expect({ status: res.status, wwwAuthenticate: res.headers['www-authenticate'] }).toEqual({
    status: 200,
    wwwAuthenticate: undefined,
  });
  return res.json();
}

/** A token signed by an unpublished key that names the published kid (one key, generated once). */
let forged: string | undefined;
const forgedToken = () => (forged ??= kit.accessToken({}, { key: kit.generateKey({ kid: kit.currentKey.kid }) }));

const payloadOf = (token: string) => decodeJwtPart(token.split('.')[1]!) as Record<string, unknown>;

describe('@Public()', () => {
  it('on a handler: open without a token, its sibling handler stays protected', async () => {
    expect(okBody(await call(app, '/handler-public/open'))).toEqual({ user: null });
    expectBareChallenge(await call(app, '/handler-public/closed'));
    const token = kit.accessToken();
    expect(okBody(await call(app, '/handler-public/closed', token))).toEqual({ sub: payloadOf(token).sub });
  });

  it('on a controller: every handler is open', async () => {
    expect(okBody(await call(app, '/class-public/open'))).toEqual({ user: null });
    expect(okBody(await call(app, '/class-public/open', 'junk'))).toEqual({ user: null });
  });

  it('a valid token still populates the user on a public handler (optional authentication)', async () => {
    const body = okBody(await call(app, '/handler-public/open', kit.accessToken({ username: 'alice' })));
    expect(body.user).toMatchObject({ username: 'alice', tokenUse: 'access' });
    expect(okBody(await call(app, '/class-public/open', kit.idToken())).user).toMatchObject({ tokenUse: 'id' });
  });

  it('@Public(false) on a handler inside a public controller protects it (the handler wins)', async () => {
    expectBareChallenge(await call(app, '/class-public/closed'));
    expectInvalidToken(await call(app, '/class-public/closed', 'junk'), D.segments);
    expect(okBody(await call(app, '/class-public/closed', kit.accessToken({ username: 'bob' })))).toEqual({
      username: 'bob',
    });
  });
});

describe('@CurrentUser()', () => {
  it('gives an access token user: raw claims plus sub, username, clientId, tokenUse, groups, scopes, userPoolId, issuer, claims', async () => {
    const token = kit.accessToken({
      username: 'alice',
      'cognito:groups': ['admin', 'ops'],
      scope: 'orders/read  orders/write openid',
    });
    const payload = payloadOf(token);
    expect(okBody(await call(app, '/me', token))).toEqual({
      ...payload,
      sub: payload.sub,
      username: 'alice',
      clientId: kit.clientId,
      tokenUse: 'access',
      groups: ['admin', 'ops'],
      scopes: ['orders/read', 'orders/write', 'openid'],
      userPoolId: kit.userPoolId,
      issuer: SHARED_ISSUER,
      claims: payload,
    });
  });

  it('gives an ID token user: username from cognito:username, clientId from aud, raw email', async () => {
    const token = kit.idToken({ 'cognito:username': 'alice', email: 'alice@example.com', 'custom:tenant': 'acme' });
    const payload = payloadOf(token);
    expect(okBody(await call(app, '/me', token))).toEqual({
      ...payload,
      username: 'alice',
      clientId: kit.clientId,
      tokenUse: 'id',
      groups: [],
      scopes: [],
      userPoolId: kit.userPoolId,
      issuer: SHARED_ISSUER,
      claims: payload,
    });
  });

  it('groups is [] and scopes is [] when the token has none', async () => {
    const user = okBody(await call(app, '/me', kit.accessToken({ scope: undefined })));
    expect(user).toMatchObject({ groups: [], scopes: [] });
    expect(user).not.toHaveProperty('cognito:groups');
  });

  it("@CurrentUser('sub') gives one field (GET /me/sub)", async () => {
    const token = kit.accessToken();
    expect(okBody(await call(app, '/me/sub', token))).toEqual({ sub: payloadOf(token).sub });
    const idToken = kit.idToken();
    expect(okBody(await call(app, '/me/sub', idToken))).toEqual({ sub: payloadOf(idToken).sub });
  });

  it("@CurrentUser('email') reads a raw claim of an ID token (and is absent on an access token)", async () => {
    expect(okBody(await call(app, '/fields/email', kit.idToken({ email: 'carol@example.com' })))).toEqual({
      email: 'carol@example.com',
    });
    expect(okBody(await call(app, '/fields/email', kit.accessToken()))).toEqual({ email: null });
  });

  it("@CurrentUser('custom:tenant') and @CurrentUser('groups') in one handler", async () => {
    const token = kit.idToken({ 'custom:tenant': 'acme', 'cognito:groups': ['g1'] });
    expect(okBody(await call(app, '/fields/custom', token))).toEqual({ tenant: 'acme', groups: ['g1'] });
  });

  it('a machine token has username null (no crash)', async () => {
    expect(okBody(await call(app, '/me', kit.machineToken()))).toMatchObject({
      username: null,
      sub: kit.clientId,
      clientId: kit.clientId,
      groups: [],
    });
  });
});

describe('@Groups(...names): any of them', () => {
  it.each([
    [['a'], 200],
    [['b'], 200],
    [['a', 'b'], 200],
    [['c', 'b'], 200],
    [['c'], 403],
    [['A'], 403],
    [[], 403],
    [undefined, 403],
  ])('cognito:groups %j → %i', async (groups, status) => {
    const res = await call(app, '/groups/any-of', kit.accessToken({ 'cognito:groups': groups }));
    if (status === 200) expect(okBody(res)).toEqual({ ok: true });
    else expectForbidden(res);
  });

  it('works for ID tokens too', async () => {
    okBody(await call(app, '/groups/any-of', kit.idToken({ 'cognito:groups': ['b'] })));
    expectForbidden(await call(app, '/groups/any-of', kit.idToken()));
  });

  it('needs authentication first (no token → 401, not 403)', async () => {
    expectBareChallenge(await call(app, '/groups/any-of'));
  });
});

describe('@Scopes(...scopes): all of them', () => {
  it.each([
    ['x y', 200],
    ['y x', 200],
    ['openid x z y', 200],
    ['x', 403],
    ['y', 403],
    ['xy', 403],
    ['x/y', 403],
    [undefined, 403],
  ])('scope %j → %i', async (scope, status) => {
    const res = await call(app, '/scopes/all-of', kit.accessToken({ scope }));
    if (status === 200) {
      expect(okBody(res)).toEqual({ ok: true });
    } else {
      expect({ status: res.status, wwwAuthenticate: res.headers['www-authenticate'] }).toEqual({
        status: 403,
        wwwAuthenticate: 'Bearer error="insufficient_scope", scope="x y"',
      });
    }
  });
});

describe('class-level @Groups overridden by a handler-level @Groups', () => {
  it('a handler without @Groups inherits the class groups', async () => {
    okBody(await call(app, '/override/inherited', kit.accessToken({ 'cognito:groups': ['class-group'] })));
    expectForbidden(await call(app, '/override/inherited', kit.accessToken({ 'cognito:groups': ['handler-group'] })));
  });

  it('a handler with @Groups uses its own groups only', async () => {
    okBody(await call(app, '/override/overridden', kit.accessToken({ 'cognito:groups': ['handler-group'] })));
    expectForbidden(await call(app, '/override/overridden', kit.accessToken({ 'cognito:groups': ['class-group'] })));
  });
});

describe('globalGuard: false', () => {
  let perRoute: RunningApp;
  beforeAll(async () => {
    perRoute = await startModuleApp(kit, { globalGuard: false }, [PerRouteController]);
    apps.push(perRoute);
  });

  it('leaves routes without a guard open (user null, even with a valid token)', async () => {
    expect(okBody(await call(perRoute, '/per-route/open'))).toEqual({ user: null });
    expect(okBody(await call(perRoute, '/per-route/open', kit.accessToken()))).toEqual({ user: null });
  });

  it('@UseGuards(CognitoAuthGuard) protects one route', async () => {
    expectBareChallenge(await call(perRoute, '/per-route/closed'));
    expectInvalidToken(await call(perRoute, '/per-route/closed', kit.idToken()), D.tokenUse('access'));
    expect(okBody(await call(perRoute, '/per-route/closed', kit.accessToken({ username: 'dave' })))).toEqual({
      username: 'dave',
    });
  });
});

describe('forRootAsync', () => {
  @Injectable()
  class OptionsFromClass implements CognitoAuthOptionsFactory {
    createCognitoAuthOptions(): CognitoAuthOptions {
      return kit.moduleOptions();
    }
  }

  @Injectable()
  class OptionsFromExisting implements CognitoAuthOptionsFactory {
    async createCognitoAuthOptions(): Promise<CognitoAuthOptions> {
      return { ...kit.moduleOptions(), clientIds: ['existing-client'] };
    }
  }

  @Module({ providers: [OptionsFromExisting], exports: [OptionsFromExisting] })
  class ExistingOptionsModule {}

  const variants: Array<[string, () => ModuleMetadata['imports']]> = [
    [
      'useFactory + inject (ConfigService)',
      () => [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ cognito: kit.moduleOptions() })] }),
        CognitoAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow<CognitoAuthOptions>('cognito'),
        }),
      ],
    ],
    ['useClass', () => [CognitoAuthModule.forRootAsync({ useClass: OptionsFromClass })]],
    [
      'useExisting',
      () => [CognitoAuthModule.forRootAsync({ imports: [ExistingOptionsModule], useExisting: OptionsFromExisting })],
    ],
  ];

  const asyncApps = new Map<string, RunningApp>();

  describe.each(variants)('%s', (name, imports) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp({ imports: imports(), controllers: [MeController] });
      apps.push(running);
      asyncApps.set(name, running);
    });

    it('verifies a real token and refuses a forged one', async () => {
      expect(okBody(await call(running, '/me', kit.accessToken({ username: 'erin' })))).toMatchObject({
        username: 'erin',
        clientId: kit.clientId,
      });
      expectBareChallenge(await call(running, '/me'));
      expectInvalidToken(await call(running, '/me', forgedToken()), D.signature);
    });
  });

  it('useExisting takes the options from the existing provider (its extra client id is accepted)', async () => {
    const running = asyncApps.get('useExisting')!;
    okBody(await call(running, '/me', kit.accessToken({ client_id: 'existing-client' })));
    expectInvalidToken(
      await call(asyncApps.get('useClass')!, '/me', kit.accessToken({ client_id: 'existing-client' })),
      D.clientId,
    );
  });

  it('globalGuard: false is honoured by forRootAsync', async () => {
    const running = await startApp({
      imports: [CognitoAuthModule.forRootAsync({ useFactory: () => kit.moduleOptions(), globalGuard: false })],
      controllers: [PerRouteController],
    });
    apps.push(running);
    expect(okBody(await call(running, '/per-route/open'))).toEqual({ user: null });
    expectBareChallenge(await call(running, '/per-route/closed'));
  });
});

describe('invalid options fail at boot with CognitoAuthConfigError', () => {
  /** Boots an app with these imports; returns the error it failed with (closing anything created). */
  async function bootError(imports: DynamicModule[]): Promise<unknown> {
    @Module({ imports, controllers: [MeController] })
    class BrokenAppModule {}
    let app: INestApplication | undefined;
    try {
      app = await NestFactory.create(BrokenAppModule, { logger: new CapturedLogger(), abortOnError: false });
      await app.init();
    } catch (error) {
      return error;
    } finally {
      await app?.close();
    }
    return undefined;
  }

  const pool = { region: 'us-east-1', userPoolId: 'us-east-1_TestPool1', clientId: 'test-client-id' };
  const malformedPool = (got: string) => `userPoolId is missing or malformed (expected "<region>_<id>", got ${got})`;
  const noClient = 'clientId or clientIds is required for pool us-east-1_TestPool1';
  const plainHttp = (origin: string) =>
    `jwksUri must use https (plain http is allowed for loopback hosts only), got ${origin} for pool us-east-1_TestPool1`;

  it.each<[string, CognitoAuthOptions, string]>([
    ['missing userPoolId', { region: 'us-east-1', clientId: 'c' }, malformedPool('undefined')],
    ['a malformed userPoolId', { ...pool, userPoolId: 'TestPool1' }, malformedPool('"TestPool1"')],
    ['no clientId', { region: 'us-east-1', userPoolId: 'us-east-1_TestPool1' }, noClient],
    ['an empty clientIds list', { region: 'us-east-1', userPoolId: 'us-east-1_TestPool1', clientIds: [] }, noClient],
    [
      'an http jwksUri on a non-loopback host',
      { ...pool, jwksUri: 'http://example.com/.well-known/jwks.json' },
      plainHttp('http://example.com'),
    ],
    [
      'an http jwksUri on a host that only starts like loopback',
      { ...pool, jwksUri: 'http://127.0.0.1.evil.example/jwks.json' },
      plainHttp('http://127.0.0.1.evil.example'),
    ],
    [
      'an http issuer on a non-loopback host (the derived jwksUri is http too)',
      { ...pool, issuer: 'http://cognito.internal/us-east-1_TestPool1' },
      plainHttp('http://cognito.internal'),
    ],
    ['an unknown tokenUse', { ...pool, tokenUse: 'refresh' as never }, 'tokenUse must be one of access, id, any'],
  ])('forRoot with %s', async (_name, options, message) => {
    const error = await bootError([CognitoAuthModule.forRoot(options)]);
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toBe(`CognitoAuthModule: ${message}`);
  });

  it('forRootAsync with a factory that returns invalid options', async () => {
    const error = await bootError([
      CognitoAuthModule.forRootAsync({ useFactory: async () => ({ userPoolId: 'us-east-1_TestPool1' }) }),
    ]);
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toBe(
      'CognitoAuthModule: clientId or clientIds is required for pool us-east-1_TestPool1',
    );
  });

  it('a valid configuration boots (control)', async () => {
    expect(
      await bootError([CognitoAuthModule.forRoot({ ...pool, jwksUri: 'http://127.0.0.1:9/jwks.json' })]),
    ).toBeUndefined();
  });
});

describe('strategy isolation: two apps in one process, two pools', () => {
  let appB: RunningApp;
  beforeAll(async () => {
    appB = await startModuleApp(kitB, {}, [MeController]);
    apps.push(appB);
  });

  it('each app accepts its own pool tokens (the second app did not replace the first one strategy)', async () => {
    expect(okBody(await call(app, '/me', kit.accessToken({ username: 'from-a' }))).username).toBe('from-a');
    expect(okBody(await call(appB, '/me', kitB.accessToken({ username: 'from-b' }))).username).toBe('from-b');
    expect(okBody(await call(app, '/me', kit.accessToken({ username: 'from-a-again' }))).username).toBe('from-a-again');
  });

  it("neither accepts the other's tokens, although both pools share the issuer and client id", async () => {
    expectInvalidToken(await call(app, '/me', kitB.accessToken()), D.unknownKey);
    expectInvalidToken(await call(appB, '/me', kit.accessToken()), D.unknownKey);
  });

  it('a token accepted (and cached) by one app is still refused by the other', async () => {
    const token = kit.accessToken();
    okBody(await call(app, '/me', token));
    expectInvalidToken(await call(appB, '/me', token), D.unknownKey);
  });
});
