/**
 * The sample app's GET /metrics (COGNITO_METRICS=prometheus) and GET /health/auth
 * (@nestjs/terminus with CognitoHealthIndicator): up, with the key set down, and with Redis
 * stopped under REVOCATION_FAILURE_POLICY=refuse. Real HTTP, the kit's JWKS server, a real
 * redis-server.
 */
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { randomKid, segmentsOf } from './support/hostile.js';
import { RedisServer, within } from './support/redis-server.js';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

let kit: CognitoTestKit;
let app: RunningApp | undefined;

beforeAll(async () => {
  kit = await createCognitoTestKit();
});
afterAll(() => kit.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
  kit.setJwksBehaviour('ok');
});

async function start(adapter: (typeof ADAPTERS)[number], env: Record<string, string> = {}) {
  app = await startSampleApp(kit, { adapter, env });
  return app;
}

/** The sum of the series `name{…labels…}` that have these labels, in Prometheus text; undefined if none. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) continue;
    total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe.each(ADAPTERS)('GET /metrics with COGNITO_METRICS=prometheus (%s)', (adapter) => {
  it('serves the cognito_auth series in Prometheus text, publicly, without tokens or subs', async () => {
    const running = await start(adapter, { COGNITO_METRICS: 'prometheus' });
    const alice = kit.accessToken({ sub: 'alice-sub', 'cognito:groups': ['admin'] });
    const bob = kit.accessToken({ sub: 'bob-sub' });
    expect((await get(`${running.url}/me`, bearer(alice))).status).toBe(200);
    expect((await get(`${running.url}/me`, bearer(alice))).status).toBe(200);
    expect((await get(`${running.url}/admin`, bearer(bob))).status).toBe(403);
    expect((await get(`${running.url}/me`, bearer(kit.accessToken({}, { expiresIn: -60 })))).status).toBe(401);
    expect((await get(`${running.url}/me`)).status).toBe(401);

    const res = await get(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const pool = { cognito_auth_user_pool_id: kit.userPoolId };
    expect(seriesValue(text, 'cognito_auth_jwks_fetches_total', { ...pool, cognito_auth_jwks_result: 'success' })).toBe(
      1,
    );
    expect(text).toMatch(/^# TYPE cognito_auth_jwks_fetch_duration histogram$/m);
    expect(text).toMatch(/^# TYPE cognito_auth_authenticate_duration histogram$/m);
    const success = { cognito_auth_result: 'success', cognito_auth_transport: 'http', ...pool };
    expect(seriesValue(text, 'cognito_auth_authenticate_duration_count', success)).toBeGreaterThanOrEqual(3);
    const hits = { ...success, cognito_auth_token_cache_result: 'hit' };
    expect(seriesValue(text, 'cognito_auth_authenticate_duration_count', hits)).toBeGreaterThanOrEqual(1);
    const expired = { cognito_auth_result: 'failure', cognito_auth_failure_reason: 'expired' };
    expect(seriesValue(text, 'cognito_auth_authenticate_duration_count', expired)).toBe(1);
    const denied = { cognito_auth_authorization_result: 'denied', cognito_auth_authorization_rule: 'groups' };
    expect(seriesValue(text, 'cognito_auth_authorization_attempts_total', denied)).toBe(1);
    expect(seriesValue(text, 'cognito_auth_token_cache_entries')).toBeGreaterThanOrEqual(2);
    expect(seriesValue(text, 'cognito_auth_revocation_entries')).toBe(0);

    for (const part of [...segmentsOf(alice), ...segmentsOf(bob)]) expect(text).not.toContain(part);
    expect(text).not.toMatch(/alice-sub|bob-sub/);
  });

  it('shows the key set down: a failed download with its kind', async () => {
    const running = await start(adapter, { COGNITO_METRICS: 'prometheus' });
    kit.setJwksBehaviour('error-500');
    expect((await get(`${running.url}/me`, bearer(kit.accessToken()))).status).toBe(503);
    const text = (await get(`${running.url}/metrics`)).body;
    const failed = {
      cognito_auth_jwks_result: 'failure',
      error_type: 'http_status',
      cognito_auth_jwks_trigger: 'cold',
    };
    expect(seriesValue(text, 'cognito_auth_jwks_fetches_total', failed)).toBe(1);
    const unavailable = { cognito_auth_result: 'failure', http_response_status_code: '503' };
    expect(seriesValue(text, 'cognito_auth_authenticate_duration_count', unavailable)).toBe(1);
  });
});

describe('GET /metrics without COGNITO_METRICS', () => {
  it('is not a route', async () => {
    const running = await start('express');
    expect((await get(`${running.url}/metrics`)).status).toBe(404);
  });
});

describe.each(ADAPTERS)('GET /health/auth: the key sets and the deny-list (%s)', (adapter) => {
  it('is up with the pool, its keys and their age, and the memory store; GET /health is unchanged', async () => {
    const running = await start(adapter);
    expect((await get(`${running.url}/health`)).json()).toEqual({ status: 'ok' });
    const before = await get(`${running.url}/health/auth`);
    expect(before.status).toBe(200);
    expect(before.json().details.cognito).toEqual({
      status: 'up',
      keySets: [{ userPoolId: kit.userPoolId, keys: 0, ageSeconds: null, lastError: null }],
      revocation: { store: 'memory', current: true },
    });
    expect((await get(`${running.url}/me`, bearer(kit.accessToken()))).status).toBe(200);
    const after = await get(`${running.url}/health/auth`);
    expect(after.json()).toMatchObject({
      status: 'ok',
      info: {
        cognito: { status: 'up', keySets: [{ userPoolId: kit.userPoolId, keys: 1, ageSeconds: 0, lastError: null }] },
      },
    });
  });

  it('is down (503) when the key set cannot be downloaded and no keys are cached', async () => {
    const running = await start(adapter);
    kit.setJwksBehaviour('error-500');
    expect((await get(`${running.url}/me`, bearer(kit.accessToken()))).status).toBe(503);
    const res = await get(`${running.url}/health/auth`);
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'error',
      error: { cognito: { status: 'down', keySets: [{ keys: 0, lastError: 'http_status' }] } },
    });
  });

  it('stays up, showing the failure, while cached keys outlive a failed refresh', async () => {
    const running = await start(adapter);
    expect((await get(`${running.url}/me`, bearer(kit.accessToken()))).status).toBe(200);
    kit.setJwksBehaviour('error-500');
    // A kid the key set lacks makes the module download it again; that download fails.
    const unknownKid = kit.accessToken({}, { header: { kid: randomKid() } });
    expect((await get(`${running.url}/me`, bearer(unknownKid))).status).toBe(503);
    const res = await get(`${running.url}/health/auth`);
    expect(res.status).toBe(200);
    expect(res.json().details.cognito.keySets).toEqual([
      { userPoolId: kit.userPoolId, keys: 1, ageSeconds: expect.any(Number), lastError: 'http_status' },
    ]);
  });
});

describe('GET /health/auth with the deny-list in Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.stop());

  it.each(ADAPTERS)(
    'is down while Redis is stopped under refuse, and up again when it is back (%s)',
    async (adapter) => {
      const running = await start(adapter, {
        REVOCATION_REDIS_URL: redis.url,
        REVOCATION_FAILURE_POLICY: 'refuse',
        COGNITO_METRICS: 'prometheus',
      });
      const health = () => get(`${running.url}/health/auth`);
      await within(5_000, 'the list loaded from Redis', async () => (await health()).status === 200);
      expect((await health()).json().details.cognito.revocation).toEqual({ store: 'redis', current: true });

      await redis.kill();
      await within(5_000, 'health down', async () => (await health()).status === 503);
      const down = (await health()).json();
      expect(down.error.cognito).toMatchObject({ status: 'down', revocation: { store: 'redis', current: false } });
      expect((await get(`${running.url}/me`, bearer(kit.accessToken()))).status).toBe(503);
      expect((await get(`${running.url}/metrics`)).status).toBe(200);

      await redis.restart();
      await within(10_000, 'health up again', async () => (await health()).status === 200);
    },
  );

  it('stays up under the default last-known policy while Redis is stopped, showing the stale list', async () => {
    const running = await start('express', { REVOCATION_REDIS_URL: redis.url });
    const health = () => get(`${running.url}/health/auth`);
    await within(
      5_000,
      'the list loaded from Redis',
      async () => (await health()).json().info?.cognito?.revocation?.current === true,
    );
    await redis.kill();
    await within(
      5_000,
      'the list stale',
      async () => (await health()).json().info?.cognito?.revocation?.current === false,
    );
    expect((await health()).status).toBe(200);
    await redis.restart();
  });
});
