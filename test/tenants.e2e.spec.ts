import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CognitoAuthModule,
  type CognitoUser,
  type CognitoUserPoolOptions,
  CurrentUser,
  UserPools,
} from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CognitoJwksService } from '../lib/jwks/cognito-jwks.service.js';
import { UserPoolDirectory } from '../lib/pools/user-pool-directory.js';
import { TokenChecker } from '../lib/verification/token-checker.js';
import { MeController } from './support/fixture-app.js';
import { bearer, get } from './support/http.js';
import { useApp, useKit } from './support/kit-app.js';
import { ADAPTERS, startApp } from './support/test-app.js';

/** The testing kit's issuers: `http://127.0.0.1:<port>/<pool id>`. */
const KIT_ISSUER = /^http:\/\/127\.0\.0\.1:\d+\/[\w-]+_\w+$/;
const RESOLVE_TIMEOUT_MS = 300;
/** Short enough to wait for, long enough for two requests in a row on a loaded machine. */
const TTL_MS = 1_000;

/**
 * A tenants table: the resolver answers from it, counts what it is asked, and can be made to
 * throw or hang for one issuer.
 */
class Tenants {
  readonly rows = new Map<string, CognitoUserPoolOptions>();
  readonly asked: unknown[] = [];
  failing = new Map<string, 'throw' | 'hang'>();
  delayMs = 0;

  add(kit: CognitoTestKit, extra: Partial<CognitoUserPoolOptions> = {}): void {
    this.rows.set(kit.issuer, { ...kit.moduleOptions(), ...extra });
  }

  timesAsked(issuer: string): number {
    return this.asked.filter((asked) => asked === issuer).length;
  }

  readonly resolve = async (issuer: string): Promise<CognitoUserPoolOptions | null> => {
    this.asked.push(issuer);
    const failure = this.failing.get(issuer);
    if (failure === 'throw') throw new Error('tenants table unavailable');
    if (failure === 'hang') return new Promise<never>(() => undefined);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.rows.get(issuer) ?? null;
  };
}

@Controller('staff-only')
class StaffOnlyController {
  @Get()
  @UserPools('eu-west-1_TenantA')
  me(@CurrentUser() user: CognitoUser) {
    return { userPoolId: user.userPoolId };
  }
}

async function startTenantApp(adapter: (typeof ADAPTERS)[number], tenants: Tenants, options: object = {}) {
  return startApp(
    {
      imports: [
        CognitoAuthModule.forRoot({
          userPools: tenants.resolve,
          issuerPattern: KIT_ISSUER,
          userPoolResolveTimeoutMs: RESOLVE_TIMEOUT_MS,
          ...options,
        }),
      ],
      controllers: [MeController, StaffOnlyController],
    },
    { adapter },
  );
}

const kits: CognitoTestKit[] = [];
async function newKit(userPoolId: string, clientId = 'tenant-client'): Promise<CognitoTestKit> {
  const kit = await createCognitoTestKit({ userPoolId, clientId });
  kits.push(kit);
  return kit;
}
afterAll(async () => {
  await Promise.all(kits.map((kit) => kit.close()));
});

/**
 * A tenants table that `fill` fills once the suite's kits are started, and an app whose resolver
 * answers from it, started before the suite's tests and closed after them.
 */
function useTenantApp(adapter: (typeof ADAPTERS)[number], fill: (tenants: Tenants) => void, options: object = {}) {
  const tenants = new Tenants();
  const app = useApp(() => {
    fill(tenants);
    return startTenantApp(adapter, tenants, options);
  });
  return { tenants, app };
}

describe.each(ADAPTERS)('a userPools resolver: one pool per tenant (%s)', (adapter) => {
  const tenantA = useKit({ userPoolId: 'eu-west-1_TenantA', clientId: 'a-client' });
  const tenantB = useKit({ userPoolId: 'us-east-1_TenantB', clientId: 'b-client' });
  const { tenants, app } = useTenantApp(adapter, (table) => {
    table.add(tenantA);
    table.add(tenantB, { tokenUse: 'any' });
  });

  it('accepts each pool’s tokens, with its own userPoolId, clients and token_use', async () => {
    const a = await get(`${app.url}/me`, bearer(tenantA.accessToken()));
    expect(a.status).toBe(200);
    expect(a.json()).toMatchObject({ userPoolId: 'eu-west-1_TenantA', issuer: tenantA.issuer, clientId: 'a-client' });
    const b = await get(`${app.url}/me`, bearer(tenantB.idToken()));
    expect(b.status).toBe(200);
    expect(b.json()).toMatchObject({ userPoolId: 'us-east-1_TenantB', clientId: 'b-client', tokenUse: 'id' });
    const aId = await get(`${app.url}/me`, bearer(tenantA.idToken()));
    expect(aId.headers['www-authenticate']).toContain('The token_use claim must be access');
    const crossClient = await get(`${app.url}/me`, bearer(tenantA.accessToken({ client_id: 'b-client' })));
    expect(crossClient.headers['www-authenticate']).toContain('The token client_id is not an accepted client');
  });

  it('checks a token without waiting once its pool’s answer and key are at hand', async () => {
    expect((await get(`${app.url}/me`, bearer(tenantA.accessToken()))).status).toBe(200);
    const checker = app.app.get(TokenChecker);
    const fresh = tenantA.accessToken({ jti: 'at-hand' });
    const firstCheck = checker.check(fresh);
    expect(firstCheck).not.toBeInstanceOf(Promise);
    expect(firstCheck).toMatchObject({ userPoolId: 'eu-west-1_TenantA' });
    expect(checker.check(fresh)).not.toBeInstanceOf(Promise);
  });

  it('refuses a token of pool A signed with pool B’s key', async () => {
    const withBKey = tenantA.accessToken({}, { key: tenantB.currentKey });
    const forged = tenantB.accessToken({ iss: tenantA.issuer, client_id: 'a-client' });
    for (const token of [withBKey, forged]) {
      const res = await get(`${app.url}/me`, bearer(token));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it('limits a route to some pools with @UserPools', async () => {
    expect((await get(`${app.url}/staff-only`, bearer(tenantA.accessToken()))).json()).toEqual({
      userPoolId: 'eu-west-1_TenantA',
    });
    const other = await get(`${app.url}/staff-only`, bearer(tenantB.accessToken()));
    expect(other.status).toBe(403);
    expect(other.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses an unknown issuer, asking the resolver once per issuer within the TTL', async () => {
    const stranger = await newKit('eu-west-1_Stranger');
    for (let round = 0; round < 3; round++) {
      const res = await get(`${app.url}/me`, bearer(stranger.accessToken({ jti: `round-${round}` })));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('The token issuer is not accepted');
    }
    expect(tenants.timesAsked(stranger.issuer)).toBe(1);
    expect(tenants.timesAsked(tenantA.issuer)).toBe(1);
    expect(stranger.jwksRequestCount).toBe(0);
  });

  it('refuses a pool whose issuer is not exactly the token’s', async () => {
    const renamed = await newKit('eu-west-1_Renamed');
    tenants.rows.set(renamed.issuer, { ...renamed.moduleOptions(), issuer: `${renamed.issuer}/` });
    const res = await get(`${app.url}/me`, bearer(renamed.accessToken()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('The token issuer is not accepted');
    expect(renamed.jwksRequestCount).toBe(0);
  });

  it('shares one resolver call and one key-set download among fifty concurrent tokens of a new pool', async () => {
    const newcomer = await newKit('ap-south-1_Newcomer');
    tenants.add(newcomer);
    tenants.delayMs = 50;
    try {
      const tokens = Array.from({ length: 50 }, (_, index) => newcomer.accessToken({ jti: `concurrent-${index}` }));
      const answers = await Promise.all(tokens.map((token) => get(`${app.url}/me`, bearer(token))));
      expect(answers.map((answer) => answer.status)).toEqual(tokens.map(() => 200));
    } finally {
      tenants.delayMs = 0;
    }
    expect(tenants.timesAsked(newcomer.issuer)).toBe(1);
    expect(newcomer.jwksRequestCount).toBe(1);
  });

  it('answers 503 with Retry-After when the resolver throws, and logs no token', async () => {
    const broken = await newKit('eu-west-1_Broken');
    tenants.failing.set(broken.issuer, 'throw');
    const token = broken.accessToken();
    const res = await get(`${app.url}/me`, bearer(token));
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // A failure is not kept: the next token asks again.
    expect((await get(`${app.url}/me`, bearer(token))).status).toBe(503);
    expect(tenants.timesAsked(broken.issuer)).toBe(2);
    expect(app.logs.text()).toContain('The userPools resolver threw');
    expect(app.logs.text()).not.toContain(token.split('.')[1]);
  });

  it('answers 503 with Retry-After when the resolver does not answer in time', async () => {
    const hung = await newKit('eu-west-1_Hung');
    tenants.failing.set(hung.issuer, 'hang');
    const startedAt = Date.now();
    const res = await get(`${app.url}/me`, bearer(hung.accessToken()));
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Date.now() - startedAt).toBeLessThan(RESOLVE_TIMEOUT_MS + 2_000);
    expect(app.logs.text()).toContain(`did not answer within ${RESOLVE_TIMEOUT_MS} ms`);
  });

  it('never asks the resolver about junk tokens or issuers of other forms, and fetches nothing for them', async () => {
    const outsider = await newKit('eu-west-1_Outsider');
    tenants.add(outsider);
    const before = tenants.asked.length;
    const refused = [
      'junk',
      'a.b.c',
      outsider.accessToken({}, { expiresIn: -3600 }),
      outsider.accessToken({}, { header: { alg: 'HS256' } }),
      outsider.accessToken({ exp: 'soon' }),
      outsider.accessToken({ iss: 'https://login.example.com/eu-west-1_Outsider' }),
      outsider.accessToken({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com.example.com/eu-west-1_Outsider' }),
      outsider.accessToken({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_Outsider' }),
      outsider.accessToken({ iss: `${outsider.issuer}/../us-east-1_TenantB` }),
      outsider.accessToken({ iss: 'http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Outsider' }),
    ];
    for (const token of refused) {
      const res = await get(`${app.url}/me`, bearer(token));
      expect(res.status).toBe(401);
    }
    expect(tenants.asked.length).toBe(before);
    expect(outsider.jwksRequestCount).toBe(0);
  });
});

describe('the resolver asks with the issuer of Cognito’s forms only, and only with that string', () => {
  const kit = useKit({ userPoolId: 'eu-west-1_Cognito1', clientId: 'tenant-client' });
  const { tenants, app } = useTenantApp('express', () => undefined, { issuerPattern: undefined });

  it('asks about both Cognito hosts, not about the kit’s loopback issuer without issuerPattern', async () => {
    const classic = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Cognito1';
    const updated = 'https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Cognito1';
    for (const iss of [classic, updated, kit.issuer]) {
      expect((await get(`${app.url}/me`, bearer(kit.accessToken({ iss })))).status).toBe(401);
    }
    expect(tenants.asked).toEqual([classic, updated]);
  });
});

describe('answers are kept for userPoolCacheTtlMs, and key sets only while their pool is', () => {
  const tenantA = useKit({ userPoolId: 'eu-west-1_TenantA', clientId: 'a-client' });
  const { tenants, app } = useTenantApp('fastify', (table) => table.add(tenantA), {
    userPoolCacheTtlMs: TTL_MS,
    userPoolCacheMaxEntries: 100,
  });
  const directory = () => app.app.get(UserPoolDirectory);
  const jwks = () => app.app.get(CognitoJwksService);
  beforeEach(() => {
    tenants.asked.length = 0;
  });

  it('asks again once an answer expired, keeping the key set of an unchanged pool', async () => {
    const token = tenantA.accessToken();
    expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    const asked = tenants.timesAsked(tenantA.issuer);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50));
    expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    expect(tenants.timesAsked(tenantA.issuer)).toBe(asked + 1);
    expect(tenantA.jwksRequestCount).toBe(1);
  });

  it('stops accepting a cached token once its tenant is gone from the table and the answer expired', async () => {
    const leaving = await newKit('eu-west-1_Leaving');
    tenants.add(leaving);
    const token = leaving.accessToken();
    expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    tenants.rows.delete(leaving.issuer);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50));
    const res = await get(`${app.url}/me`, bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('The token issuer is not accepted');
    expect(
      jwks()
        .keySetStates()
        .map((state) => state.userPoolId),
    ).not.toContain('eu-west-1_Leaving');
  });

  it('keeps memory bounded with 300 distinct unknown issuers', async () => {
    const made = Array.from(
      { length: 300 },
      (_, index) => `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Made${index}`,
    );
    for (const iss of made) {
      expect((await get(`${app.url}/me`, bearer(tenantA.accessToken({ iss })))).status).toBe(401);
    }
    expect(tenants.asked).toEqual(made);
    expect(directory().cacheSize.unknown).toBeLessThanOrEqual(100);
    // Made-up issuers never evict a tenant, and have no key set.
    expect((await get(`${app.url}/me`, bearer(tenantA.accessToken()))).status).toBe(200);
    expect(jwks().keySetStates().length).toBeLessThanOrEqual(2);
  });
});

describe('key sets of pools that leave the cache are released', () => {
  it('holds at most userPoolCacheMaxEntries pools and their key sets', async () => {
    const pools = await Promise.all([1, 2, 3, 4].map((n) => newKit(`eu-west-1_Evicted${n}`)));
    const tenants = new Tenants();
    for (const kit of pools) tenants.add(kit);
    const app = await startTenantApp('express', tenants, { userPoolCacheMaxEntries: 2 });
    try {
      for (const kit of pools) {
        expect((await get(`${app.url}/me`, bearer(kit.accessToken()))).status).toBe(200);
      }
      expect(app.app.get(UserPoolDirectory).cacheSize.pools).toBe(2);
      expect(
        app.app
          .get(CognitoJwksService)
          .keySetStates()
          .map((state) => state.userPoolId),
      ).toEqual(['eu-west-1_Evicted3', 'eu-west-1_Evicted4']);
      // An evicted tenant is asked about again, and its keys downloaded again.
      expect((await get(`${app.url}/me`, bearer(pools[0]!.accessToken()))).status).toBe(200);
      expect(tenants.timesAsked(pools[0]!.issuer)).toBe(2);
      expect(pools[0]!.jwksRequestCount).toBe(2);
    } finally {
      await app.close();
    }
  });
});

describe('the testing kit’s overrideKeys with a resolver: tests keep the app’s own tenants table', () => {
  it('serves the impersonated tenant’s keys from the kit, with the real Cognito issuer and no issuerPattern', async () => {
    const impersonated = await newKit('eu-west-1_RealTenant', 'real-client');
    expect(impersonated.issuer).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_RealTenant');
    const tenants = new Tenants();
    tenants.rows.set(impersonated.issuer, { userPoolId: 'eu-west-1_RealTenant', clientId: 'real-client' });
    const builder = Test.createTestingModule({
      imports: [CognitoAuthModule.forRoot({ userPools: tenants.resolve })],
      controllers: [MeController],
    });
    const app = (await impersonated.overrideKeys(builder).compile()).createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = await app.getUrl();
      const res = await get(`${url}/me`, bearer(impersonated.accessToken()));
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ userPoolId: 'eu-west-1_RealTenant', clientId: 'real-client' });
      expect(impersonated.jwksRequestCount).toBe(1);
      const otherClient = await get(`${url}/me`, bearer(impersonated.accessToken({ client_id: 'other' })));
      expect(otherClient.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
