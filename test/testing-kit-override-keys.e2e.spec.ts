/**
 * `createCognitoTestKit({ userPoolId, clientId })` impersonates the app's pool, and
 * `kit.overrideKeys(builder)` makes the app under test take that pool's keys from the kit while
 * every rule of the app stays: fallback policy, token cookie, custom check, revocation, route
 * rules; with forRoot and forRootAsync, on Express and Fastify.
 */
import { Controller, type DynamicModule, Get, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  type CognitoAuthOptions,
  CognitoAuthConfigError,
  CognitoAuthModule,
  CognitoRevocationService,
  CurrentUser,
  Groups,
  Public,
} from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { useKitWith } from './support/kit-app.js';
import { okController } from './support/rule-handlers.js';
import { ADAPTERS } from './support/test-app.js';
import { forRootAndForRootAsync, listenOn } from './support/testing-module.js';

const POOL_ID = 'eu-west-1_AppPool1';
const CLIENT_ID = 'app-client';

/** The app's own rules, as production configures them. */
const appOptions = (): CognitoAuthOptions => ({
  userPoolId: POOL_ID,
  clientId: CLIENT_ID,
  fallbackPolicy: { groups: ['staff'] },
  tokenCookie: 'id_token',
  customCheck: ({ payload }) => {
    if (payload['custom:blocked'] === 'yes') throw new Error('blocked');
  },
});

@Controller()
class AppController {
  @Get('me')
  me(@CurrentUser('username') username: string) {
    return { username };
  }
}

const RulesController = okController('', { open: [Public()], admin: [Groups('admin')] });

const CONFIGURATIONS = forRootAndForRootAsync(appOptions);

function appModule(cognito: DynamicModule) {
  @Module({ imports: [cognito], controllers: [AppController, RulesController] })
  class AppModule {}
  return AppModule;
}

describe.each(ADAPTERS)('kit.overrideKeys keeps the app rules (%s)', (adapter) => {
  describe.each(CONFIGURATIONS)('with %s', (_name, cognito) => {
    const { kit, started: running } = useKitWith(
      (kit) => listenOn(kit.overrideKeys(Test.createTestingModule({ imports: [appModule(cognito())] })), adapter),
      ({ app }) => app.close(),
      { userPoolId: POOL_ID, clientId: CLIENT_ID },
    );

    it("mints tokens with the pool's Cognito issuer and the app's client", () => {
      const payload = JSON.parse(Buffer.from(kit.accessToken().split('.')[1]!, 'base64url').toString());
      expect(payload).toMatchObject({
        iss: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`,
        client_id: CLIENT_ID,
      });
      expect(kit.region).toBe('eu-west-1');
    });

    it('downloads the keys from the kit, like a real pool, and admits a token of the fallback group', async () => {
      const result = await get(
        `${running.url}/me`,
        bearer(kit.accessToken({ username: 'ann', 'cognito:groups': ['staff'] })),
      );
      expect(result.status).toBe(200);
      expect(result.json()).toEqual({ username: 'ann' });
      expect(kit.jwksRequestCount).toBeGreaterThan(0);
    });

    it('keeps the fallback policy: a valid token without the group gets 403', async () => {
      expect((await get(`${running.url}/me`, bearer(kit.accessToken({ username: 'bob' })))).status).toBe(403);
      expect((await get(`${running.url}/me`)).status).toBe(401);
    });

    it('keeps route rules and @Public()', async () => {
      expect((await get(`${running.url}/open`)).status).toBe(200);
      const staff = kit.accessToken({ 'cognito:groups': ['staff'] });
      expect((await get(`${running.url}/admin`, bearer(staff))).status).toBe(403);
      expect((await get(`${running.url}/admin`, bearer(kit.accessToken({ 'cognito:groups': ['admin'] })))).status).toBe(
        200,
      );
    });

    it('keeps the token cookie', async () => {
      const token = kit.accessToken({ username: 'cat', 'cognito:groups': ['staff'] });
      const result = await get(`${running.url}/me`, { cookie: `id_token=${token}` });
      expect(result.status).toBe(200);
      expect(result.json()).toEqual({ username: 'cat' });
    });

    it('keeps the custom check', async () => {
      const blocked = kit.accessToken({ 'cognito:groups': ['staff'], 'custom:blocked': 'yes' });
      const result = await get(`${running.url}/me`, bearer(blocked));
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('keeps revocation', async () => {
      const token = kit.accessToken({ 'cognito:groups': ['staff'], origin_jti: `session-${adapter}` });
      expect((await get(`${running.url}/me`, bearer(token))).status).toBe(200);
      await running.app
        .get(CognitoRevocationService)
        .revokeSession({ origin_jti: `session-${adapter}`, exp: 4_000_000_000 });
      expect((await get(`${running.url}/me`, bearer(token))).status).toBe(401);
    });
  });
});

describe('kit.overrideKeys: where the keys come from', () => {
  const kits: CognitoTestKit[] = [];
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(kits.splice(0).map((kit) => kit.close()));
  });
  const kitFor = async (userPoolId: string, clientId = CLIENT_ID) => {
    const kit = await createCognitoTestKit({ userPoolId, clientId });
    kits.push(kit);
    return kit;
  };

  it("with { jwks: 'inline' } the app gets the kit's key set without downloading it", async () => {
    const kit = await kitFor(POOL_ID);
    const builder = Test.createTestingModule({ imports: [appModule(CognitoAuthModule.forRoot(appOptions()))] });
    const { app, url } = await listenOn(kit.overrideKeys(builder, { jwks: 'inline' }), 'express');
    apps.push(app);
    expect((await get(`${url}/me`, bearer(kit.accessToken({ 'cognito:groups': ['staff'] })))).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(0);
  });

  it('chained kits give an app with several pools the keys of each', async () => {
    const staff = await kitFor('eu-west-1_Staff01', 'staff-client');
    const customers = await kitFor('us-east-1_Customers01', 'customer-client');
    const cognito = CognitoAuthModule.forRoot({
      userPools: [
        { userPoolId: staff.userPoolId, clientId: staff.clientId },
        { userPoolId: customers.userPoolId, clientId: customers.clientId },
      ],
    });
    const builder = Test.createTestingModule({ imports: [appModule(cognito)] });
    const { app, url } = await listenOn(customers.overrideKeys(staff.overrideKeys(builder)), 'express');
    apps.push(app);
    for (const kit of [staff, customers]) {
      expect((await get(`${url}/me`, bearer(kit.accessToken({ username: kit.userPoolId })))).json()).toEqual({
        username: kit.userPoolId,
      });
    }
    // A key is bound to its pool: the staff kit's key does not sign for the customers' issuer.
    const forged = staff.sign({
      ...JSON.parse(Buffer.from(customers.accessToken().split('.')[1]!, 'base64url').toString()),
    });
    expect((await get(`${url}/me`, bearer(forged))).status).toBe(401);
  });

  it("fails the start-up, saying why, when the kit impersonates none of the app's pools", async () => {
    const kit = await kitFor('eu-west-1_SomeOther1');
    const builder = Test.createTestingModule({ imports: [appModule(CognitoAuthModule.forRoot(appOptions()))] });
    const error = await kit
      .overrideKeys(builder)
      .compile()
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toContain(
      `the testing kit's pool (issuer https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_SomeOther1) is none of the app's pools`,
    );
  });

  it('refuses a region that contradicts the pool id', async () => {
    await expect(createCognitoTestKit({ region: 'us-east-1', userPoolId: POOL_ID })).rejects.toThrow(
      'region us-east-1 contradicts userPoolId eu-west-1_AppPool1, a pool of eu-west-1',
    );
  });
});
