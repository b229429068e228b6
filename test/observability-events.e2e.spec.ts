/**
 * The module's diagnostics_channel events, seen by a subscriber as an operator's tool would
 * see them: real apps, the kit's real JWKS server, real HTTP.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { CognitoAuthOptions } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { fastJwksOptions, probeModule, randomKid, segmentsOf, sleep } from './support/hostile.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

const JWKS_CHANNEL = 'nestjs-cognito-auth:jwks';

let kit: CognitoTestKit | undefined;
let app: RunningApp | undefined;
const stops: Array<() => void> = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await app?.close();
  app = undefined;
  await kit?.close();
  kit = undefined;
});

/** Every message published on `name` from now until the test ends. */
function record(name: string): unknown[] {
  const messages: unknown[] = [];
  const onMessage = (message: unknown) => messages.push(message);
  diagnosticsChannel.subscribe(name, onMessage);
  stops.push(() => diagnosticsChannel.unsubscribe(name, onMessage));
  return messages;
}

async function boot(overrides: Partial<CognitoAuthOptions> = {}, adapter: (typeof ADAPTERS)[number] = 'express') {
  kit = await createCognitoTestKit();
  // A generous download timeout: the machine may be busy; the tests that need a timeout set their own.
  app = await startApp(probeModule(fastJwksOptions(kit, { jwksTimeoutMs: 5_000, ...overrides })), { adapter });
  return { kit, app };
}

async function waitFor(condition: () => boolean, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
}

describe.each(ADAPTERS)('jwks events, one per key-set download (%s)', (adapter) => {
  it('reports the cold download, an unknown kid and a failure with its kind, with the pool and no key material', async () => {
    const events = record(JWKS_CHANNEL);
    const { kit, app } = await boot({}, adapter);
    const token = kit.accessToken();

    expect((await get(`${app.url}/protected`, bearer(token))).status).toBe(200);
    expect((await get(`${app.url}/protected`, bearer(token))).status).toBe(200);
    expect(events).toEqual([
      {
        userPoolId: kit.userPoolId,
        trigger: 'cold',
        result: 'success',
        durationMs: expect.any(Number),
        keyCount: 1,
      },
    ]);

    kit.setJwksBehaviour('error-500');
    const unknownKid = kit.accessToken({}, { header: { kid: randomKid() } });
    expect((await get(`${app.url}/protected`, bearer(unknownKid))).status).toBe(503);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      userPoolId: kit.userPoolId,
      trigger: 'unknown_kid',
      result: 'failure',
      errorType: 'http_status',
      durationMs: expect.any(Number),
      keyCount: 0,
    });

    const text = JSON.stringify(events);
    for (const part of segmentsOf(token)) expect(text).not.toContain(part);
    for (const jwk of kit.jwks.keys) expect(text).not.toContain(String(jwk.n));
    expect(text).not.toContain(kit.jwksUri);
  });
});

describe('jwks events: triggers and kinds of failure', () => {
  it('names the preload at start-up', async () => {
    const events = record(JWKS_CHANNEL);
    await boot({ preloadKeys: 'required' });
    expect(events).toMatchObject([{ trigger: 'preload', result: 'success', keyCount: 1 }]);
  });

  it('names the background refresh of keys older than jwksMaxAgeMs', async () => {
    const events = record(JWKS_CHANNEL);
    const { kit, app } = await boot({ jwksMaxAgeMs: 50, jwksRefetchIntervalMs: 0 });
    await get(`${app.url}/protected`, bearer(kit.accessToken()));
    await sleep(80);
    // Another token: a token served from the verified-token cache does not look at the key set.
    await get(`${app.url}/protected`, bearer(kit.accessToken({ jti: 'second' })));
    await waitFor(() => events.length >= 2);
    expect(events.map((event) => (event as { trigger: string }).trigger)).toEqual(['cold', 'refresh']);
  });

  it.each([
    ['a body that is not JSON', 'invalid_json', 'garbage'],
    ['an empty key set', 'no_keys', 'empty'],
    ['no answer', 'timeout', 'hang'],
    ['a reset connection', 'network', 'reset'],
    ['a body over 1 MiB', 'too_large', { status: 200, body: 'x'.repeat(1024 * 1024 + 1) }],
  ] as const)('%s is errorType %s', async (_label, errorType, behaviour) => {
    const events = record(JWKS_CHANNEL);
    const { kit, app } = await boot({ jwksTimeoutMs: 1_000 });
    kit.setJwksBehaviour(behaviour);
    expect((await get(`${app.url}/protected`, bearer(kit.accessToken()))).status).toBe(503);
    expect(events).toMatchObject([{ trigger: 'cold', result: 'failure', errorType, keyCount: 0 }]);
  });

  it('stops reaching a subscriber that left', async () => {
    const events: unknown[] = [];
    const onMessage = (message: unknown) => events.push(message);
    diagnosticsChannel.subscribe(JWKS_CHANNEL, onMessage);
    diagnosticsChannel.unsubscribe(JWKS_CHANNEL, onMessage);
    const { kit, app } = await boot();
    expect((await get(`${app.url}/protected`, bearer(kit.accessToken()))).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(1);
    expect(events).toEqual([]);
  });
});
