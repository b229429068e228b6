// The Redis deny-list heals itself (redis-server started by this file): a list Redis lost while
// the instances stayed connected (FLUSHALL, DEL) or across a restart is written back, so an
// instance started afterwards still refuses revoked tokens; expired entries leave Redis soon
// after their expiry without waiting for the next revocation; entries learned from Redis stop
// at maxEntries like local ones.
import { randomUUID } from 'node:crypto';
import { type CognitoRevocationOptions, CognitoRevocationService, CognitoTokenVerifier } from 'nestjs-cognito-auth';
import { afterAll, describe, expect, it } from 'vitest';
import { nowSeconds } from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { useKit } from './support/kit-app.js';
import { type RedisApp, startRedisApp, useRedisInspector, useRedisServer, within } from './support/redis-server.js';

const kit = useKit();
const redis = useRedisServer();
const inspector = useRedisInspector(redis);
const apps: RedisApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** An instance on its own key prefix (so the suites do not see each other's lists), closed after the file. */
async function instance(keyPrefix: string, revocation: Omit<CognitoRevocationOptions, 'redis' | 'store'> = {}) {
  const app = await startRedisApp(kit, redis.url, { revocation: { keyPrefix, ...revocation } });
  apps.push(app);
  return app;
}
const meStatus = async (app: RedisApp, token: string) => (await get(`${app.url}/me`, bearer(token))).status;
const revocationsOf = (app: RedisApp) => app.app.get(CognitoRevocationService);
const newPrefix = () => `heal-${randomUUID()}:`;
/** Nest's static logger writes to whichever app was created last: read the apps' logs together. */
const logsOf = (...running: RedisApp[]) => running.map((app) => app.logs.text()).join('\n');

/** Revokes a fresh token's session on `app`; resolves to the token. */
async function revokedToken(app: RedisApp): Promise<string> {
  const token = kit.accessToken({ origin_jti: randomUUID() });
  await revocationsOf(app).revoke(await app.app.get(CognitoTokenVerifier).verify(token));
  return token;
}

describe.each([
  ['FLUSHALL', (_key: string) => inspector.flushall()],
  ['DEL of the list', (key: string) => inspector.del(key)],
])('a list lost without a reconnection (%s) is written back within 2 s', (_name, lose) => {
  it('the running instance restores it, and an instance started afterwards refuses the revoked token', async () => {
    const keyPrefix = newPrefix();
    const key = `${keyPrefix}list`;
    const a = await instance(keyPrefix);
    const revoked = await revokedToken(a);
    const stored = await inspector.zcard(key);
    expect(stored).toBe(1);

    await lose(key);
    expect(await inspector.exists(key)).toBe(0);
    const restoredIn = await within(2_000, 'the list is written back', async () => (await inspector.zcard(key)) === 1);
    console.info(`[revocation] list restored ${restoredIn.toFixed(0)} ms after it was lost`);
    expect(revocationsOf(a).isCurrent).toBe(true);

    const b = await instance(keyPrefix);
    expect(revocationsOf(b).isCurrent).toBe(true);
    expect(await meStatus(b, revoked)).toBe(401);
    expect(await meStatus(b, kit.accessToken())).toBe(200);
    expect(logsOf(a, b)).toMatch(/Redis lacked 1 revocations in force; written back/);
  });
});

describe('a list lost with Redis itself (stopped, restarted empty) is written back', () => {
  it('after the restart the instance reconnects, writes it back, and a new instance refuses the revoked token', async () => {
    const keyPrefix = newPrefix();
    const key = `${keyPrefix}list`;
    const a = await instance(keyPrefix);
    const revoked = await revokedToken(a);

    await redis.kill();
    await within(5_000, 'the instance notices', () => !revocationsOf(a).isCurrent);
    expect(await meStatus(a, revoked)).toBe(401); // the last known list
    await redis.restart(); // empty: no persistence
    await within(5_000, 'the list is written back', async () => (await inspector.zcard(key).catch(() => 0)) === 1);
    await within(2_000, 'the instance is current again', () => revocationsOf(a).isCurrent);

    const b = await instance(keyPrefix);
    expect(await meStatus(b, revoked)).toBe(401);
  });
});

describe('expired entries leave Redis within 2 s of their expiry', () => {
  it('with no further revocation to trim them, while the entries still in force stay', async () => {
    const keyPrefix = newPrefix();
    const key = `${keyPrefix}list`;
    const app = await instance(keyPrefix);
    const revocations = revocationsOf(app);
    const lasting = { jti: randomUUID(), exp: nowSeconds() + 3600 };
    const shortLived = { jti: randomUUID(), exp: nowSeconds() + 1 };
    await revocations.revokeToken(lasting);
    await revocations.revokeToken(shortLived);
    const expiresAtMs = Number(await inspector.zscore(key, `t:${shortLived.jti}`));
    expect(expiresAtMs).toBeGreaterThan(Date.now());

    await within(
      expiresAtMs - Date.now() + 2_000,
      'the expired entry leaves Redis',
      async () => (await inspector.zscore(key, `t:${shortLived.jti}`)) === null,
    );
    const lateBy = Date.now() - expiresAtMs;
    console.info(`[revocation] expired entry pruned from Redis ${lateBy} ms after its expiry`);
    expect(lateBy).toBeLessThanOrEqual(2_000);
    expect(await inspector.zscore(key, `t:${lasting.jti}`)).not.toBeNull();
    expect(revocations.size).toBe(1);
  });
});

describe('entries learned from Redis respect maxEntries', () => {
  it('by message and by loading: the copy stops at the bound, evicts nothing, and says it is not current', async () => {
    const keyPrefix = newPrefix();
    const exp = nowSeconds() + 3600;
    const big = await instance(keyPrefix);
    const small = await instance(keyPrefix, { maxEntries: 5 });
    const first = { jti: randomUUID(), exp };
    await revocationsOf(big).revokeToken(first);
    await within(2_000, 'the small instance learns the first revocation', () => revocationsOf(small).isRevoked(first));
    for (let index = 0; index < 9; index++) await revocationsOf(big).revokeToken({ jti: randomUUID(), exp });
    expect(revocationsOf(big).size).toBe(10);

    await within(2_000, 'the small instance sees it is full', () => !revocationsOf(small).isCurrent);
    expect(revocationsOf(small).size).toBe(5);
    expect(revocationsOf(small).isRevoked(first)).toBe(true); // kept, not evicted
    expect(logsOf(big, small)).toMatch(/holds its maximum of 5 revocations and Redis has more/);

    const loaded = await instance(keyPrefix, { maxEntries: 5 });
    expect(revocationsOf(loaded).size).toBe(5);
    expect(revocationsOf(loaded).isCurrent).toBe(false);
    expect(await inspector.zcard(`${keyPrefix}list`)).toBe(10); // nothing was lost from Redis
  });
});
