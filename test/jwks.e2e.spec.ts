/**
 * The key-set policy end to end: seen from outside, against the kit's real loopback
 * JWKS server (nothing mocked: passport-jwt, jwks-rsa and the HTTP fetch are the real ones).
 * Fetches are counted on the server side (`kit.jwksRequestCount`).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { CognitoAuthConfigError, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import type { CognitoTestKit, JwksBehaviour } from 'nestjs-cognito-auth/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { usePerTestKitApp } from './support/kit-app.js';
import {
  bootApp,
  deadUrl,
  expectInvalidTokenNotEchoed,
  expectKeySetUnavailable,
  fastJwksOptions,
  heapUsedAfterGc,
  mapConcurrent,
  probeModule,
  randomKid,
  signWith,
  sleep,
} from './support/hostile.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

/** Fetch counts seen by the kit's server, printed at the end for the report. */
const observed: Record<string, number | string> = {};

const startKitApp = usePerTestKitApp();

afterAll(() => {
  console.info(`[jwks.e2e] observed JWKS fetch counts: ${JSON.stringify(observed, null, 1)}`);
});

function setUp(overrides: Partial<CognitoAuthOptions> = {}, adapter: (typeof ADAPTERS)[number] = 'express') {
  return startKitApp((kit) => startApp(probeModule(fastJwksOptions(kit, overrides)), { adapter }));
}

const protectedRoute = (running: RunningApp, token: string) => get(`${running.url}/protected`, bearer(token));

/** Waits until the kit has served `count` requests (background refreshes are not awaited by anyone). */
async function waitForFetches(k: CognitoTestKit, count: number, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (k.jwksRequestCount < count && Date.now() < deadline) await sleep(10);
  expect(k.jwksRequestCount).toBeGreaterThanOrEqual(count);
}

/** Waits for a log line; the failure is logged when the download settles, maybe after the answer. */
async function waitForLog(running: RunningApp, pattern: RegExp, withinMs = 3_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  let line: string | undefined;
  while (!(line = running.logs.lines.find((l) => pattern.test(l))) && Date.now() < deadline) await sleep(10);
  expect(line, `a log line matching ${pattern}; got:\n${running.logs.text()}`).toBeDefined();
  return line!;
}

const KEY_SET_ERROR = /^error .*Could not download the key set/;

// An EC key and an oct key, for the "only RSA signing keys" filter.
const ecPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = { ...ecPair.publicKey.export({ format: 'jwk' }), kid: 'ec-p256-key', alg: 'ES256', use: 'sig' };
const octSecret = Buffer.from('an-hmac-secret-that-is-published-as-an-oct-key');
const octJwk = { kty: 'oct', kid: 'oct-key', k: octSecret.toString('base64url'), alg: 'HS256', use: 'sig' };

/** The faults a key-set endpoint can have (5xx, timeout, bad JSON) and a few more ways a key set can be useless. */
const FAULTS: ReadonlyArray<readonly [string, JwksBehaviour | 'unusable-keys']> = [
  ['HTTP 500', 'error-500'],
  ['HTTP 503 with Retry-After', { status: 503, body: '{"message":"busy"}', headers: { 'retry-after': '120' } }],
  ['HTTP 404', { status: 404, body: 'Not Found' }],
  ['non-JSON body', 'garbage'],
  ['connection reset', 'reset'],
  ['empty key set', 'empty'],
  ['keys is not an array', { status: 200, body: '{"keys":"x"}' }],
  ['JSON null', { status: 200, body: 'null' }],
  ['empty 200 body', { status: 200, body: '' }],
  ['only non-RSA / non-signing keys', 'unusable-keys'],
  ['hang (timeout)', 'hang'],
  ['slower than the timeout', { delayMs: 5_000 }],
];

function applyFault(k: CognitoTestKit, fault: JwksBehaviour | 'unusable-keys'): void {
  if (fault === 'unusable-keys') {
    k.setJwksBehaviour({
      status: 200,
      body: JSON.stringify({ keys: [ecJwk, octJwk, { ...k.currentKey.publicJwk, use: 'enc' }] }),
    });
  } else {
    k.setJwksBehaviour(fault);
  }
}

describe('cold cache: concurrent requests share one download', () => {
  it.each([
    ['an instant endpoint', 'ok' as const, 80],
    ['a slow endpoint (300 ms), so every request waits on the same download', { delayMs: 300 }, 100],
  ])('%s: %i concurrent requests, one fetch', async (_name, behaviour, concurrency) => {
    const { kit, app } = await setUp({ jwksTimeoutMs: 2_000 });
    kit.setJwksBehaviour(behaviour);
    const tokens = Array.from({ length: concurrency }, (_, i) => kit.accessToken({ username: `user-${i}` }));
    const answers = await Promise.all(tokens.map((token) => protectedRoute(app, token)));
    expect(answers.map((a) => a.status)).toEqual(tokens.map(() => 200));
    expect(answers.map((a) => a.json().username)).toEqual(tokens.map((_, i) => `user-${i}`));
    expect(kit.jwksRequestCount).toBe(1);
    observed[`cold cache, ${concurrency} concurrent (${typeof behaviour === 'string' ? behaviour : 'delay 300 ms'})`] =
      kit.jwksRequestCount;
  });
});

describe('key rotation', () => {
  it('fetches a new kid once, keeps accepting the old key while it is published, and rate-limits refetches', async () => {
    const interval = 1_500;
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: interval });
    const first = kit.currentKey;
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(1);

    const second = kit.rotateKey();
    const rotatedAt = Date.now();
    const onNewKey = await Promise.all(Array.from({ length: 20 }, () => protectedRoute(app, kit.accessToken())));
    expect(onNewKey.map((a) => a.status)).toEqual(onNewKey.map(() => 200));
    expect(kit.jwksRequestCount).toBe(2);

    // The old key is still published: still accepted, no fetch.
    expect((await protectedRoute(app, kit.accessToken({}, { key: first }))).status).toBe(200);
    expect((await protectedRoute(app, kit.accessToken({}, { key: second }))).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(2);

    // A second rotation within the interval: the new kid cannot be fetched yet (at most one
    // unknown-kid refetch per interval), so its tokens are refused without a download...
    kit.rotateKey();
    const tooSoon = kit.accessToken();
    if (Date.now() - rotatedAt < interval - 300) {
      expectInvalidTokenNotEchoed(await protectedRoute(app, tooSoon), tooSoon);
      expect(kit.jwksRequestCount).toBe(2);
    }
    // ...and accepted once the interval has passed.
    await sleep(Math.max(0, rotatedAt + interval + 300 - Date.now()));
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(3);
    expect((await protectedRoute(app, kit.accessToken({}, { key: first }))).status).toBe(200);
    observed['rotation: initial + 2 rotations'] = kit.jwksRequestCount;
  });
});

describe('unknown-kid flood', () => {
  it('500 tokens with random kids: every one 401, fetches bounded by 1 + elapsed/interval, heap bounded', async () => {
    const interval = 250;
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: interval });
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    // Big tokens (a 6 kB claim, a 250-character kid), so keeping them around would show on the heap.
    const padding = 'x'.repeat(6_000);
    const floodToken = () => kit.accessToken({ padding }, { header: { kid: randomKid(187) } });
    // Warm-up: the first few hundred requests of a process grow the heap by ~12 MB whatever the
    // route (JIT, lazily built Node/Nest structures); measured on /health alone. Measure after it.
    await mapConcurrent(Array.from({ length: 250 }, floodToken), 32, (token) => protectedRoute(app, token));
    // Flat copies: the kit's tokens are rope strings that V8 flattens (and shrinks) when they
    // are first written to a socket, which would hide up to ~6 MB of retention in the delta.
    const flood = Array.from({ length: 500 }, () => Buffer.from(floodToken(), 'latin1').toString('latin1'));
    kit.resetCounters();
    await sleep(300); // let the warm-up's sockets finish closing
    const heapBefore = heapUsedAfterGc();
    const started = Date.now();
    // Each answer is checked on arrival and dropped, so the test itself keeps nothing per request.
    let refused = 0;
    await mapConcurrent(flood, 32, async (token) => {
      expectInvalidTokenNotEchoed(await protectedRoute(app, token), token);
      refused += 1;
    });
    const elapsed = Date.now() - started;
    await sleep(300);
    const heapDelta = heapUsedAfterGc() - heapBefore;

    // Keep the tokens reachable through the second measurement: only what the app kept counts.
    expect(refused).toBe(flood.length);
    const bound = 1 + Math.ceil(elapsed / interval);
    if (elapsed > 2 * interval) expect(kit.jwksRequestCount).toBeGreaterThanOrEqual(1);
    expect(kit.jwksRequestCount).toBeLessThanOrEqual(bound);
    // 500 × ~8 kB tokens is ~4 MB of strings: keeping them (or a per-kid entry) would exceed this.
    expect(heapDelta).toBeLessThan(3 * 1024 * 1024);
    // The guard still works for a genuine token, from the cache.
    const before = kit.jwksRequestCount;
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(before);
    observed['unknown-kid flood: 500 tokens'] =
      `${kit.jwksRequestCount} fetches in ${elapsed} ms (bound ${bound}), heap delta ${(heapDelta / 1024).toFixed(0)} kB`;
  });

  it('a flood with the refetch interval at its default (10 s) causes a single refetch', async () => {
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: undefined });
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    kit.resetCounters();
    const answers = await mapConcurrent(Array.from({ length: 200 }), 32, () =>
      protectedRoute(app, kit.accessToken({}, { header: { kid: randomKid() } })),
    );
    expect(answers.filter((a) => a.status !== 401)).toEqual([]);
    expect(kit.jwksRequestCount).toBe(1);
    observed['unknown-kid flood: 200 tokens, default interval'] = kit.jwksRequestCount;
  });
});

describe.each(ADAPTERS)('slow or hung endpoint, no cached key (%s)', (adapter) => {
  const timeoutMs = 300;
  it.each([
    ['hang', 'hang' as const],
    ['answers after 4 s', { delayMs: 4_000 }],
  ])(
    '%s: cut off by jwksTimeoutMs, 503 + Retry-After quickly, then no download per request',
    async (_name, behaviour) => {
      const { kit, app } = await setUp({ jwksTimeoutMs: timeoutMs, jwksRefetchIntervalMs: 1_000 }, adapter);
      kit.setJwksBehaviour(behaviour);
      const started = Date.now();
      const answer = await protectedRoute(app, kit.accessToken());
      const elapsed = Date.now() - started;
      expectKeySetUnavailable(answer);
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 20);
      expect(elapsed).toBeLessThan(timeoutMs + 1_000);
      // Within the interval, further requests are answered without a new download.
      const again = await Promise.all(Array.from({ length: 10 }, () => protectedRoute(app, kit.accessToken())));
      for (const a of again) expectKeySetUnavailable(a);
      expect(kit.jwksRequestCount).toBe(1);
      // Public routes keep working; recovery once the endpoint is back and the interval is over.
      expect((await get(`${app.url}/health`)).status).toBe(200);
      kit.setJwksBehaviour('ok');
      await sleep(Math.max(0, started + elapsed + 1_050 - Date.now()));
      expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
      expect(kit.jwksRequestCount).toBe(2);
      await waitForLog(app, KEY_SET_ERROR);
    },
  );
});

describe('default timeout', () => {
  it(
    'with jwksTimeoutMs left at its default, a hung key set gets its 503 within 10 s (the default timeout is at most 10 s)',
    { timeout: 20_000 },
    async () => {
      const { kit, app } = await setUp({ jwksTimeoutMs: undefined, jwksRefetchIntervalMs: undefined });
      kit.setJwksBehaviour('hang');
      const started = Date.now();
      expectKeySetUnavailable(await protectedRoute(app, kit.accessToken()));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(10_500);
      observed['default timeout, hung endpoint'] = `${kit.jwksRequestCount} fetch, 503 after ${elapsed} ms`;
    },
  );
});

describe('failing endpoint with cached keys: stale keys keep working and the failure is logged', () => {
  it.each(FAULTS)('%s (refetch triggered by an unknown kid)', async (name, fault) => {
    const interval = 200;
    // No verified-token cache: every request goes to the key store.
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: interval, jwksTimeoutMs: 300, tokenCacheMaxEntries: 0 });
    const token = kit.accessToken();
    expect((await protectedRoute(app, token)).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(1);
    applyFault(kit, fault);
    await sleep(interval + 20);

    // The unknown kid forces a download, which fails: no key can be had for it, so 503.
    const unknown = await protectedRoute(app, kit.accessToken({}, { header: { kid: randomKid() } }));
    expect(kit.jwksRequestCount).toBe(2);
    expectKeySetUnavailable(unknown);
    const line = await waitForLog(app, KEY_SET_ERROR);
    expect(line).toMatch(/keeping the cached keys/);

    // The cached key still verifies, for the same token and for new ones.
    expect((await protectedRoute(app, token)).status).toBe(200);
    const fresh = await Promise.all(Array.from({ length: 5 }, () => protectedRoute(app, kit.accessToken())));
    expect(fresh.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // And a bad token is still refused as such.
    expectInvalidTokenNotEchoed(await protectedRoute(app, kit.accessToken({ exp: 1 })));
    expect(kit.jwksRequestCount).toBe(2);
    observed[`cached keys + ${name}`] = kit.jwksRequestCount;
  });

  it('a background refresh (jwksMaxAgeMs) that fails keeps the cached keys and logs', async () => {
    const { kit, app } = await setUp({ jwksMaxAgeMs: 150, jwksRefetchIntervalMs: 2_000, tokenCacheMaxEntries: 0 });
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    kit.setJwksBehaviour('error-500');
    await sleep(200);
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
    await waitForFetches(kit, 2);
    await waitForLog(app, KEY_SET_ERROR);
    const during = await Promise.all(Array.from({ length: 5 }, () => protectedRoute(app, kit.accessToken())));
    expect(during.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // At most one retry per interval, however many requests.
    expect(kit.jwksRequestCount).toBe(2);
    observed['background refresh failing'] = kit.jwksRequestCount;
  });
});

describe.each(ADAPTERS)('failing endpoint, no cached key: 503 + Retry-After, never 200 or 500 (%s)', (adapter) => {
  it.each(FAULTS)('%s', async (name, fault) => {
    const { kit, app } = await setUp({ jwksTimeoutMs: 300, jwksRefetchIntervalMs: 5_000 }, adapter);
    applyFault(kit, fault);
    const token = kit.accessToken();
    expectKeySetUnavailable(await protectedRoute(app, token));
    // Nothing sneaks through on a second try, and there is no second download within the interval.
    const again = await Promise.all([protectedRoute(app, token), protectedRoute(app, kit.accessToken())]);
    for (const a of again) expectKeySetUnavailable(a);
    expect(kit.jwksRequestCount).toBe(1);
    // Public routes still answer; optional auth does not populate a user it could not verify.
    expect((await get(`${app.url}/health`)).status).toBe(200);
    const optional = await get(`${app.url}/optional`, bearer(token));
    expect({ status: optional.status, body: optional.json() }).toEqual({ status: 200, body: { user: null } });
    await waitForLog(app, KEY_SET_ERROR);
    observed[`no cached key + ${name} (${adapter})`] = kit.jwksRequestCount;
  });
});

describe('only RSA signing keys are used', () => {
  it('EC, oct, use:enc, alg:RS512, key_ops without verify and 1024-bit RSA keys in the set are ignored', async () => {
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: 60_000 });
    const good = kit.currentKey;
    const enc = kit.generateKey({ kid: 'rsa-use-enc' });
    const rs512 = kit.generateKey({ kid: 'rsa-alg-rs512' });
    const ops = kit.generateKey({ kid: 'rsa-key-ops-encrypt' });
    const weak = kit.generateKey({ kid: 'rsa-1024-bits', modulusLength: 1024 });
    kit.publishKeys([
      good,
      ecJwk,
      octJwk,
      { ...enc.publicJwk, use: 'enc' },
      { ...rs512.publicJwk, alg: 'RS512' },
      { ...ops.publicJwk, key_ops: ['encrypt'] },
      weak,
    ]);
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);

    // Each token is correctly signed by the private key of the JWK its kid names: only the
    // filter stands between it and a 200.
    const payload = () => JSON.parse(Buffer.from(kit.accessToken().split('.')[1]!, 'base64url').toString());
    const refused: Array<[string, string]> = [
      ['use: enc', kit.accessToken({}, { key: enc })],
      ['alg: RS512 (signed RS256)', kit.accessToken({}, { key: rs512 })],
      ['alg: RS512 (signed RS512)', signWith('RS512', { alg: 'RS512', kid: rs512.kid }, payload(), rs512.privateKey)],
      ['key_ops: [encrypt]', kit.accessToken({}, { key: ops })],
      ['RSA 1024 bits', kit.accessToken({}, { key: weak })],
      ['EC key, ES256', signWith('ES256', { alg: 'ES256', kid: ecJwk.kid }, payload(), ecPair.privateKey)],
      ['EC key, header says RS256', signWith('ES256', { alg: 'RS256', kid: ecJwk.kid }, payload(), ecPair.privateKey)],
      ['oct key, HS256', signWith('HS256', { alg: 'HS256', kid: octJwk.kid }, payload(), octSecret)],
      ['oct key, header says RS256', signWith('HS256', { alg: 'RS256', kid: octJwk.kid }, payload(), octSecret)],
    ];
    for (const [, token] of refused) expectInvalidTokenNotEchoed(await protectedRoute(app, token), token);
    expect((await protectedRoute(app, kit.accessToken({}, { key: good }))).status).toBe(200);
    // One download, plus at most the one unknown-kid refetch the first filtered kid may cause.
    expect(kit.jwksRequestCount).toBeGreaterThanOrEqual(1);
    expect(kit.jwksRequestCount).toBeLessThanOrEqual(2);
    observed['key filter (9 refused tokens)'] = kit.jwksRequestCount;
  });
});

describe('http: jwksUri is refused at boot unless loopback', () => {
  it.each([
    ['http on a public host', { jwksUri: 'http://example.com/us-east-1_TestPool1/.well-known/jwks.json' }],
    ['http on a private address', { jwksUri: 'http://10.1.2.3/jwks.json' }],
    ['http on a look-alike of 127.x', { jwksUri: 'http://127.0.0.1.nip.io/jwks.json' }],
    ['http on localhost.<domain>', { jwksUri: 'http://localhost.example.com/jwks.json' }],
    ['ftp', { jwksUri: 'ftp://127.0.0.1/jwks.json' }],
    ['file', { jwksUri: 'file:///etc/passwd' }],
    ['not a URL', { jwksUri: 'jwks.json' }],
    [
      'http issuer on a public host, jwksUri derived from it',
      { issuer: 'http://example.com/pool', jwksUri: undefined },
    ],
  ])('%s', async (_name, overrides) => {
    const k = await startKitApp.kit();
    const booting = bootApp(probeModule({ ...k.moduleOptions(), ...overrides }));
    await expect(booting).rejects.toBeInstanceOf(CognitoAuthConfigError);
    await expect(booting).rejects.toThrow(/jwksUri/);
    expect(k.jwksRequestCount).toBe(0);
  });

  it.each([
    ['http://127.0.0.1 (the kit)', (k: CognitoTestKit) => k.jwksUri],
    ['http://localhost', (k: CognitoTestKit) => k.jwksUri.replace('127.0.0.1', 'localhost')],
    ['http://[::1]', (k: CognitoTestKit) => k.jwksUri.replace('127.0.0.1', '[::1]')],
    [
      'https on a public host',
      () => 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1/.well-known/jwks.json',
    ],
  ])('boots with %s', async (_name, uriOf) => {
    const k = await startKitApp.kit();
    const app = await startKitApp.app(bootApp(probeModule({ ...k.moduleOptions(), jwksUri: uriOf(k) })));
    expect((await get(`${app.url}/health`)).status).toBe(200);
  });
});

describe('preloadKeys', () => {
  it("'required' with a dead endpoint fails the boot", async () => {
    const k = await startKitApp.kit();
    const booting = bootApp(probeModule({ ...k.moduleOptions(), jwksUri: await deadUrl(), preloadKeys: 'required' }));
    await expect(booting).rejects.toThrow(/preload/i);
  });

  it.each([
    ['HTTP 500', 'error-500' as const],
    ['hang', 'hang' as const],
    ['empty key set', 'empty' as const],
  ])("'required' with an endpoint answering %s fails the boot within the timeout", async (_name, behaviour) => {
    const k = await startKitApp.kit();
    k.setJwksBehaviour(behaviour);
    const started = Date.now();
    await expect(
      bootApp(probeModule(fastJwksOptions(k, { preloadKeys: 'required', jwksTimeoutMs: 300 }))),
    ).rejects.toThrow(/preload/i);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(k.jwksRequestCount).toBe(1);
  });

  it("'best-effort' with a dead endpoint boots, logs, and answers 503 until keys can be had", async () => {
    const k = await startKitApp.kit();
    const app = await startKitApp.app(
      bootApp(probeModule({ ...k.moduleOptions(), jwksUri: await deadUrl(), preloadKeys: 'best-effort' })),
    );
    expect(app.logs.lines.some((line) => /^warn .*preload failed/i.test(line))).toBe(true);
    expect((await get(`${app.url}/health`)).status).toBe(200);
    expectKeySetUnavailable(await protectedRoute(app, k.accessToken()));
  });

  it("'best-effort' with a live endpoint fetches at boot", async () => {
    const k = await startKitApp.kit();
    const app = await startKitApp.app(bootApp(probeModule({ ...k.moduleOptions(), preloadKeys: 'best-effort' })));
    expect(k.jwksRequestCount).toBe(1);
    expect((await protectedRoute(app, k.accessToken())).status).toBe(200);
    expect(k.jwksRequestCount).toBe(1);
  });

  it("'required' with a live endpoint fetches once at boot, before any request", async () => {
    const k = await startKitApp.kit();
    const app = await startKitApp.app(bootApp(probeModule({ ...k.moduleOptions(), preloadKeys: 'required' })));
    expect(k.jwksRequestCount).toBe(1);
    const answers = await Promise.all(Array.from({ length: 20 }, () => protectedRoute(app, k.accessToken())));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(k.jwksRequestCount).toBe(1);
    observed["preloadKeys 'required', live endpoint, after 20 requests"] = k.jwksRequestCount;
  });

  it("'off' (the default) fetches nothing at boot", async () => {
    const k = await startKitApp.kit();
    await startKitApp.app(bootApp(probeModule(k.moduleOptions())));
    expect(k.jwksRequestCount).toBe(0);
  });
});

describe('a key removed from the key set', () => {
  it.each(ADAPTERS)('stops validating tokens held in the verified-token cache (%s)', async (adapter) => {
    const interval = 300;
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: interval }, adapter);
    const oldKey = kit.currentKey;
    const cachedToken = kit.accessToken({ username: 'cached' });
    // Verified once, then served from the verified-token cache.
    for (let i = 0; i < 3; i++) expect((await protectedRoute(app, cachedToken)).status).toBe(200);
    const newKey = kit.rotateKey();
    kit.publishKeys([newKey]);
    // Nothing refreshed the key set yet: the cached token still passes.
    expect((await protectedRoute(app, cachedToken)).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(1);

    await sleep(interval + 50);
    // A token signed by the new key is an unknown kid: the refresh drops the old key...
    expect((await protectedRoute(app, kit.accessToken({}, { key: newKey }))).status).toBe(200);
    expect(kit.jwksRequestCount).toBe(2);
    // ...and every cached token of that key with it.
    expectInvalidTokenNotEchoed(await protectedRoute(app, cachedToken), cachedToken);
    expectInvalidTokenNotEchoed(await protectedRoute(app, kit.accessToken({}, { key: oldKey })));
    const optional = await get(`${app.url}/optional`, bearer(cachedToken));
    expect(optional.json()).toEqual({ user: null });
    observed[`removed key (${adapter})`] = kit.jwksRequestCount;
  });

  it('also when the refresh is triggered by a random unknown kid', async () => {
    const interval = 300;
    const { kit, app } = await setUp({ jwksRefetchIntervalMs: interval });
    const cachedToken = kit.accessToken();
    expect((await protectedRoute(app, cachedToken)).status).toBe(200);
    const newKey = kit.rotateKey();
    kit.publishKeys([newKey]);
    await sleep(interval + 50);
    expectInvalidTokenNotEchoed(await protectedRoute(app, kit.accessToken({}, { header: { kid: randomKid() } })));
    expect(kit.jwksRequestCount).toBe(2);
    expectInvalidTokenNotEchoed(await protectedRoute(app, cachedToken), cachedToken);
    expect((await protectedRoute(app, kit.accessToken())).status).toBe(200);
  });
});

describe('several pools: one key store per issuer', () => {
  it('a cold cache on two pools fetches each key set once; a kid of pool B under iss A is refused', async () => {
    const a = await startKitApp.kit({ userPoolId: 'us-east-1_PoolA' });
    const b = await startKitApp.kit({ userPoolId: 'us-east-1_PoolB' });
    const app = await startKitApp.app(
      startApp(probeModule({ userPools: [a.moduleOptions(), b.moduleOptions()], jwksRefetchIntervalMs: 60_000 })),
    );
    const answers = await Promise.all([
      ...Array.from({ length: 25 }, () => protectedRoute(app, a.accessToken())),
      ...Array.from({ length: 25 }, () => protectedRoute(app, b.accessToken())),
    ]);
    expect(answers.map((x) => x.status)).toEqual(answers.map(() => 200));
    expect([a.jwksRequestCount, b.jwksRequestCount]).toEqual([1, 1]);
    observed['two pools, 50 concurrent cold requests (A + B)'] = `${a.jwksRequestCount} + ${b.jwksRequestCount}`;
    // iss of pool A, kid and signature of pool B's (published, cached) key.
    const crossed = a.accessToken({ jti: randomUUID() }, { key: b.currentKey });
    expectInvalidTokenNotEchoed(await protectedRoute(app, crossed), crossed);
    // B's key set is never consulted for a token of A; A may refetch once for the unknown kid.
    expect(b.jwksRequestCount).toBe(1);
    expect(a.jwksRequestCount).toBeLessThanOrEqual(2);
  });
});
