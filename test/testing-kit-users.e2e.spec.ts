/**
 * The testing kit's ways to act as a user: `cognitoUser` (a user object for unit tests),
 * `actAsCognitoUser` (a replacement for the guard, no token at all) and
 * `moduleOptions({ jwks: 'inline' })` (real signatures, keys given directly, nothing downloaded).
 */
import { Controller, Get, type INestApplication, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  COGNITO_AUTH_OPTIONS,
  CognitoAuthGuard,
  CognitoAuthModule,
  type CognitoUser,
  type CognitoPolicyHandler,
  CurrentUser,
  Groups,
  Policy,
  Public,
  RequireClaim,
  Scopes,
} from 'nestjs-cognito-auth';
import { actAsCognitoUser, cognitoUser } from 'nestjs-cognito-auth/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { useKit } from './support/kit-app.js';
import { okController } from './support/rule-handlers.js';
import { ADAPTERS } from './support/test-app.js';

@Injectable()
class AlwaysAllowPolicy implements CognitoPolicyHandler {
  handle() {
    return true;
  }
}

@Controller()
class ProfileController {
  @Public()
  @Get('hello')
  hello(@CurrentUser('username') username: string | null) {
    return { hello: username ?? 'stranger' };
  }

  @Get('me')
  me(@CurrentUser() user: CognitoUser) {
    return { username: user.username, groups: user.groups, scopes: user.scopes, email: user.email ?? null };
  }
}

/** The app's routes with rules of their own, and one without. */
const RulesController = okController('', {
  admin: [Groups('admin')],
  orders: [Scopes('orders/read')],
  tenant: [RequireClaim('custom:tenant', 't1')],
  'alice-only': [Policy((user) => user.username === 'alice')],
  'class-policy': [Policy(AlwaysAllowPolicy)],
  'no-rules': [],
});

/**
 * What an app's root module looks like: the auth module configured for a real pool, with a
 * fallback policy for routes that have no rules of their own.
 */
@Module({
  imports: [
    CognitoAuthModule.forRoot({
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_RealPool1',
      clientId: 'real-client',
      fallbackPolicy: { groups: ['staff'] },
    }),
  ],
  controllers: [ProfileController, RulesController],
  providers: [AlwaysAllowPolicy],
})
class AppModule {}

/** The messages the app logs at error level from now on. */
function captureErrorLogs(app: INestApplication): string[] {
  const errors: string[] = [];
  app.useLogger({ log() {}, warn() {}, error: (message: unknown) => errors.push(String(message)) });
  return errors;
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}

async function createApp(
  adapter: (typeof ADAPTERS)[number],
  override: (builder: ReturnType<typeof Test.createTestingModule>) => ReturnType<typeof Test.createTestingModule>,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await override(Test.createTestingModule({ imports: [AppModule] })).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new (await import('@nestjs/platform-fastify')).FastifyAdapter(), {
          logger: false,
        })
      : moduleRef.createNestApplication({ logger: false });
  return { app, url: await listen(app) };
}

describe('cognitoUser', () => {
  it('builds the user object the module derives from an access token', () => {
    const user = cognitoUser({ username: 'alice', groups: ['admin'], scopes: ['orders/read', 'orders/write'] });
    expect(user).toMatchObject({
      username: 'alice',
      groups: ['admin'],
      scopes: ['orders/read', 'orders/write'],
      tokenUse: 'access',
      clientId: 'test-client-id',
      userPoolId: 'us-east-1_TestPool1',
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1',
    });
    expect(user.claims).toMatchObject({
      username: 'alice',
      'cognito:groups': ['admin'],
      scope: 'orders/read orders/write',
      token_use: 'access',
    });
    expect(user.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.isFrozen(user) && Object.isFrozen(user.groups)).toBe(true);
  });

  it('has the defaults of a signed-in user', () => {
    expect(cognitoUser()).toMatchObject({
      username: 'test-user',
      groups: [],
      scopes: ['aws.cognito.signin.user.admin'],
    });
  });

  it('builds ID-token users, machine users, other pools and extra claims', () => {
    const id = cognitoUser({
      tokenUse: 'id',
      username: 'bob',
      claims: { email: 'bob@example.com', 'custom:tenant': 't1' },
    });
    expect(id).toMatchObject({
      tokenUse: 'id',
      username: 'bob',
      email: 'bob@example.com',
      'custom:tenant': 't1',
      scopes: [],
    });
    expect(id.claims['cognito:username']).toBe('bob');

    const machine = cognitoUser({ username: null, clientId: 'worker', scopes: ['jobs/run'] });
    expect(machine).toMatchObject({ username: null, sub: 'worker', clientId: 'worker', scopes: ['jobs/run'] });

    const elsewhere = cognitoUser({ userPoolId: 'eu-west-1_Other1', sub: 'fixed-sub' });
    expect(elsewhere).toMatchObject({
      sub: 'fixed-sub',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1',
    });
  });

  it('lets the named fields win over raw claims, and removes a claim set to undefined', () => {
    const user = cognitoUser({ groups: ['ops'], claims: { 'cognito:groups': ['admin'], scope: undefined } });
    expect(user.groups).toEqual(['ops']);
    expect(user.scopes).toEqual([]);
    expect('scope' in user.claims).toBe(false);
  });

  it('refuses an ID token without a user name', () => {
    expect(() => cognitoUser({ tokenUse: 'id', username: null })).toThrow(TypeError);
  });
});

describe.each(ADAPTERS)('overrideGuard(CognitoAuthGuard).useValue(actAsCognitoUser(...)) (%s)', (adapter) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Starts the app with its guard replaced by `actAsCognitoUser(user)`; gives its URL. */
  async function actingAs(user: Parameters<typeof actAsCognitoUser>[0]): Promise<string> {
    await app?.close();
    let url: string;
    ({ app, url } = await createApp(adapter, (builder) =>
      builder.overrideGuard(CognitoAuthGuard).useValue(actAsCognitoUser(user)),
    ));
    return url;
  }

  it('acts as the given user on every route, without a token and without any key', async () => {
    const url = await actingAs({
      username: 'alice',
      groups: ['admin', 'staff'],
      scopes: ['orders/read'],
      claims: { email: 'alice@example.com' },
    });
    expect((await get(`${url}/me`)).json()).toEqual({
      username: 'alice',
      groups: ['admin', 'staff'],
      scopes: ['orders/read'],
      email: 'alice@example.com',
    });
    expect((await get(`${url}/admin`)).status).toBe(200);
    expect((await get(`${url}/orders`)).status).toBe(200);
    expect((await get(`${url}/hello`)).json()).toEqual({ hello: 'alice' });
  });

  it('keeps the route rules: 403 with the real challenge when the user lacks a group or scope', async () => {
    const url = await actingAs({ username: 'bob', groups: ['staff'] });
    expect((await get(`${url}/me`)).status).toBe(200);
    expect((await get(`${url}/admin`)).status).toBe(403);
    const orders = await get(`${url}/orders`);
    expect(orders.status).toBe(403);
    expect(orders.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
  });

  it('checks claim rules and policy functions as the real guard does', async () => {
    const alice = await actingAs({ username: 'alice', claims: { 'custom:tenant': 't1' } });
    expect((await get(`${alice}/tenant`)).status).toBe(200);
    expect((await get(`${alice}/alice-only`)).status).toBe(200);
    const bob = await actingAs({ username: 'bob', claims: { 'custom:tenant': 't2' } });
    expect((await get(`${bob}/tenant`)).status).toBe(403);
    expect((await get(`${bob}/alice-only`)).status).toBe(403);
  });

  it("applies the app's fallbackPolicy and its policy classes, from the app's injector", async () => {
    const url = await actingAs({ username: 'bob', groups: [] });
    const errors = captureErrorLogs(app!);
    expect((await get(`${url}/me`)).status).toBe(403);
    expect((await get(`${url}/class-policy`)).status).toBe(200);
    expect((await get(`${url}/no-rules`)).status).toBe(403);
    expect(errors).toEqual([]);
  });

  it('acts as nobody with null: protected routes answer 401, public ones see no user', async () => {
    const url = await actingAs(null);
    const me = await get(`${url}/me`);
    expect(me.status).toBe(401);
    expect(me.headers['www-authenticate']).toBe('Bearer');
    expect((await get(`${url}/hello`)).json()).toEqual({ hello: 'stranger' });
  });
});

describe.each(ADAPTERS)("moduleOptions({ jwks: 'inline' }) (%s)", (adapter) => {
  const kit = useKit();
  let app: INestApplication | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('gives the module the key set itself: real signatures are checked and nothing is downloaded', async () => {
    const options = kit.moduleOptions({ jwks: 'inline' });
    expect(options).toEqual({
      region: kit.region,
      userPoolId: kit.userPoolId,
      clientId: kit.clientId,
      issuer: kit.issuer,
      jwks: kit.jwks,
    });
    let url: string;
    ({ app, url } = await createApp(adapter, (builder) =>
      builder.overrideProvider(COGNITO_AUTH_OPTIONS).useValue(options),
    ));
    kit.resetCounters();
    expect((await get(`${url}/me`)).status).toBe(401);
    const me = await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol', 'cognito:groups': ['ops'] })));
    expect(me.json()).toMatchObject({ username: 'carol', groups: ['ops'] });
    expect((await get(`${url}/me`, bearer(kit.accessToken({}, { key: kit.generateKey() })))).status).toBe(401);
    expect(kit.jwksRequestCount).toBe(0);
  });

  it("still points at the JWKS URL by default and with { jwks: 'url' }", () => {
    const byUrl = {
      region: kit.region,
      userPoolId: kit.userPoolId,
      clientId: kit.clientId,
      issuer: kit.issuer,
      jwksUri: kit.jwksUri,
    };
    expect(kit.moduleOptions()).toEqual(byUrl);
    expect(kit.moduleOptions({ jwks: 'url' })).toEqual(byUrl);
    expect(() => kit.moduleOptions({ jwks: 'file' as 'url' })).toThrow(TypeError);
  });
});
