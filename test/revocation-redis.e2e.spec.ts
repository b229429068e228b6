// Revocation shared through a real Redis (redis-server started by this file on a free loopback
// port): several app instances, restarts, expiry in Redis, and Redis outages under both failure
// policies. The sample apps select the Redis store with REVOCATION_REDIS_URL.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CognitoAuthOptions,
  type CognitoRevocationOptions,
  CognitoRevocationService,
  CognitoTokenVerifier,
} from 'nestjs-cognito-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../lib/cache/verified-token.cache.js';
import { nowSeconds } from './support/auth-e2e.js';
import { bearer, get, send } from './support/http.js';
import { useKit } from './support/kit-app.js';
import { RedisServer, startRedisApp, useRedisInspector, useRedisServer, within } from './support/redis-server.js';
import { ask, SocketClients } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

const REVOKED = 'Bearer error="invalid_token", error_description="The token has been revoked"';
const DEFAULT_KEY = 'cognito-auth:revocations:list';

const kit = useKit();
const redis = useRedisServer();
/** A client of this file's own, to look inside Redis. */
const inspector = useRedisInspector(redis);

const sampleApp = (adapter: (typeof ADAPTERS)[number] = 'express') =>
  startSampleApp(kit, { adapter, env: { REVOCATION_REDIS_URL: redis.url } });
const logout = (app: RunningApp, token: string) => send('POST', `${app.url}/logout`, bearer(token));
const meStatus = async (app: RunningApp, token: string) => (await get(`${app.url}/me`, bearer(token))).status;
const isCached = (app: RunningApp, token: string) => app.app.get(VerifiedTokenCache).get(token) !== undefined;
const revocationsOf = (app: RunningApp) => app.app.get(CognitoRevocationService);

/** An app with the module configured directly (for options the sample app does not expose). */
const redisApp = (
  revocation: Omit<CognitoRevocationOptions, 'redis'>,
  options: Partial<CognitoAuthOptions> = {},
  url = redis.url,
) => startRedisApp(kit, url, { revocation, options });

describe.each(ADAPTERS)('two instances sharing one Redis (%s)', (adapter) => {
  let a: RunningApp;
  let b: RunningApp;
  const session = randomUUID();
  let access = '';
  let sibling = '';
  const sockets = new SocketClients();

  beforeAll(async () => {
    [a, b] = await Promise.all([sampleApp(adapter), sampleApp(adapter)]);
    access = kit.accessToken({ origin_jti: session, username: 'alice' });
    sibling = kit.accessToken({ origin_jti: session, username: 'alice' });
  });
  afterAll(async () => {
    sockets.closeAll();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a logout on A is refused on B within 1 s, with both caches warm, over REST, GraphQL and WebSockets', async () => {
    for (const app of [a, b]) {
      expect(await meStatus(app, access)).toBe(200);
      expect(isCached(app, access)).toBe(true);
    }
    const socket = await sockets.connect(`${b.url}/events`, { auth: { token: access } });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: expect.any(String) } });
    expect((await logout(a, access)).status).toBe(204);
    const claims = { origin_jti: session, exp: nowSeconds() + 60 };
    await within(1_000, 'B learns the revocation', () => revocationsOf(b).isRevoked(claims));

    const me = await get(`${b.url}/me`, bearer(access));
    expect(me.status).toBe(401);
    expect(me.headers['www-authenticate']).toBe(REVOKED);
    expect(isCached(b, access)).toBe(true); // refused on the cache hit
    const graphql = await send(
      'POST',
      `${b.url}/graphql`,
      { 'content-type': 'application/json', ...bearer(access) },
      JSON.stringify({ query: '{ me { sub } }' }),
    );
    expect(graphql.json().errors[0]).toMatchObject({
      message: 'The token has been revoked',
      extensions: { code: 'UNAUTHENTICATED', status: 401 },
    });
    expect(await ask(socket, 'whoami')).toEqual({
      exception: expect.objectContaining({
        status: 401,
        error: 'invalid_token',
        message: 'The token has been revoked',
      }),
    });
    expect(await meStatus(b, sibling)).toBe(401); // every token of the sign-in
  });

  it("propagation from one instance's revoke() to the other's local list", async () => {
    const samples: number[] = [];
    for (let round = 0; round < 20; round++) {
      const claims = { jti: randomUUID(), exp: nowSeconds() + 60 };
      const started = performance.now();
      const stored = revocationsOf(a).revoke(claims);
      while (!revocationsOf(b).isRevoked(claims)) {
        if (performance.now() - started > 1_000) throw new Error('not propagated within 1 s');
        await new Promise((resolve) => setImmediate(resolve));
      }
      samples.push(performance.now() - started);
      await stored;
    }
    samples.sort((x, y) => x - y);
    const median = samples[samples.length >> 1];
    console.info(
      `[revocation] ${adapter}: revoke() on A → B's list: median ${median.toFixed(2)} ms, max ${samples.at(-1)!.toFixed(2)} ms`,
    );
    expect(samples.at(-1)!).toBeLessThan(1_000);
  });

  it('a restarted B still refuses the revoked session at its first request', async () => {
    sockets.closeAll();
    await b.close();
    b = await sampleApp(adapter);
    expect(revocationsOf(b).isCurrent).toBe(true);
    expect(await meStatus(b, access)).toBe(401);
    expect(await meStatus(b, sibling)).toBe(401);
    expect(await meStatus(b, kit.accessToken())).toBe(200);
  });
});

describe('entries expire in Redis with their tokens', () => {
  it('the list key expires with its last entry, and expired entries are trimmed when others are added', async () => {
    const keyPrefix = `ttl-${randomUUID()}:`;
    const key = `${keyPrefix}list`;
    const app = await redisApp({ keyPrefix }, { clockTolerance: 1 });
    try {
      const revocations = revocationsOf(app);
      const shortLived = { jti: randomUUID(), exp: nowSeconds() + 1 };
      await revocations.revokeToken(shortLived);
      expect(Number(await inspector.zscore(key, `t:${shortLived.jti}`))).toBe((shortLived.exp + 1) * 1000);
      const ttl = await inspector.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2_000);
      await within(4_000, 'the key expires', async () => (await inspector.exists(key)) === 0);

      const longLived = { jti: randomUUID(), exp: nowSeconds() + 3600 };
      const another = { jti: randomUUID(), exp: nowSeconds() + 1 };
      await revocations.revokeToken(another);
      await revocations.revokeToken(longLived);
      expect(await inspector.pttl(key)).toBeGreaterThan(3_500_000);
      await sleep((another.exp + 1) * 1000 - Date.now() + 50);
      await revocations.revokeToken({ jti: randomUUID(), exp: nowSeconds() + 3600 });
      expect(await inspector.zscore(key, `t:${another.jti}`)).toBeNull();
      expect(await inspector.zcard(key)).toBe(2);
    } finally {
      await app.close();
    }
  });
});

describe('Redis killed mid-run, then restarted', () => {
  it("last-known keeps the list, 'refuse' answers 503; afterwards revocations made meanwhile are everywhere", async () => {
    const [a, b] = await Promise.all([sampleApp(), sampleApp()]);
    const c = await redisApp({ failurePolicy: 'refuse' });
    const apps = [a, b, c];
    try {
      const [before, valid, during] = [kit.accessToken(), kit.accessToken(), kit.accessToken()];
      for (const app of apps) for (const token of [before, valid, during]) expect(await meStatus(app, token)).toBe(200);
      expect((await logout(a, before)).status).toBe(204);
      await within(
        1_000,
        'B and C learn the revocation',
        async () => (await meStatus(b, before)) === 401 && (await meStatus(c, before)) === 401,
      );

      await redis.kill();
      await within(2_000, 'C notices and refuses with 503', async () => (await meStatus(c, valid)) === 503);
      const unavailable = await get(`${c.url}/me`, bearer(valid));
      expect(unavailable.headers['retry-after']).toBe('5');
      expect(unavailable.headers['www-authenticate']).toBeUndefined();
      expect(await meStatus(c, before)).toBe(401); // known to be revoked: still a 401
      expect(await meStatus(b, before)).toBe(401); // last known list
      expect(await meStatus(b, valid)).toBe(200);

      // A revokes while Redis is down: in force on A at once, shared once Redis is back.
      const failed = await logout(a, during);
      expect(failed.status).toBe(503);
      expect(await meStatus(a, during)).toBe(401);
      expect(await meStatus(b, during)).toBe(200);

      await redis.restart(); // empty: no persistence
      const recovery = await within(
        10_000,
        'B learns the revocation made during the outage',
        async () => (await meStatus(b, during)) === 401,
      );
      await within(5_000, 'C answers again', async () => (await meStatus(c, valid)) === 200);
      console.info(
        `[revocation] after Redis came back, B refused the token revoked during the outage within ${recovery.toFixed(0)} ms`,
      );
      expect(await meStatus(c, during)).toBe(401);
      expect(await inspector.zcard(DEFAULT_KEY)).toBeGreaterThanOrEqual(2); // written back by the instances

      const d = await sampleApp();
      apps.push(d);
      expect(await meStatus(d, before)).toBe(401);
      expect(await meStatus(d, during)).toBe(401);
      expect(await meStatus(d, valid)).toBe(200);

      // Nest's static logger goes to whichever app was created last: read them all together.
      const logs = apps.map((app) => app.logs.text()).join('\n');
      expect(logs).toMatch(/Revocation list: lost the connection to Redis; checking against the last known list/);
      expect(logs).toMatch(
        /Revocation list: lost the connection to Redis; requests are answered 503 until it is reloaded/,
      );
      expect(logs).toMatch(/Revocation list: Redis is back/);
      for (const token of [before, valid, during]) expect(logs).not.toContain(token);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});

describe('a slow Redis never slows requests', () => {
  it('while Redis answers nothing, requests are answered at once and a revocation applies locally', async () => {
    const app = await redisApp({});
    try {
      const session = randomUUID();
      const [token, revoked] = [kit.accessToken(), kit.accessToken({ origin_jti: session })];
      for (const each of [token, revoked]) expect(await meStatus(app, each)).toBe(200);
      await inspector.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const pausedAt = performance.now();
      const stored = revocationsOf(app).revoke(await app.app.get(CognitoTokenVerifier).verify(revoked));
      let slowest = 0;
      let requests = 0;
      while (performance.now() - pausedAt < 1_000) {
        const started = performance.now();
        expect(await meStatus(app, token)).toBe(200);
        expect(await meStatus(app, revoked)).toBe(401);
        slowest = Math.max(slowest, performance.now() - started);
        requests += 2;
      }
      expect(requests).toBeGreaterThan(10);
      expect(slowest).toBeLessThan(250);
      // Stored once Redis answers again (or, past the write timeout, written back by the next reload).
      await stored.catch(() => undefined);
      await within(
        5_000,
        'the revocation reaches Redis',
        async () => (await inspector.zscore(DEFAULT_KEY, `s:${session}`)) !== null,
      );
    } finally {
      await app.close();
    }
  });
});

describe('Redis unreachable at start-up', () => {
  it("the app starts anyway: last-known with an empty list, 'refuse' with 503s, both catch up once Redis answers", async () => {
    const late = await RedisServer.start();
    await late.kill();
    const started = performance.now();
    const lastKnown = await redisApp({}, {}, late.url);
    const refusing = await redisApp({ failurePolicy: 'refuse' }, {}, late.url);
    try {
      expect(performance.now() - started).toBeLessThan(8_000);
      const token = kit.accessToken();
      expect(await meStatus(lastKnown, token)).toBe(200);
      expect(await meStatus(refusing, token)).toBe(503);
      expect(lastKnown.logs.text()).toMatch(/Redis could not be loaded at start-up/);

      await late.restart();
      await within(10_000, 'the refusing app answers again', async () => (await meStatus(refusing, token)) === 200);
      await revocationsOf(lastKnown).revoke(await lastKnown.app.get(CognitoTokenVerifier).verify(token));
      await within(
        1_000,
        'the revocation reaches the other app',
        async () => (await meStatus(refusing, token)) === 401,
      );
    } finally {
      await Promise.all([lastKnown.close(), refusing.close()]);
      await late.stop();
    }
  });
});
