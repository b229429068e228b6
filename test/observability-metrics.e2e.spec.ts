/**
 * The module's OpenTelemetry metrics as an exporter sees them: an SDK MeterProvider with a
 * reader, real apps on both adapters, the kit's real JWKS server, real HTTP.
 */
import { metrics } from '@opentelemetry/api';
import { type CognitoAuthOptions, CognitoRevocationService } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { fastJwksOptions, nowSeconds, probeModule, randomKid, segmentsOf } from './support/hostile.js';
import { usePerTestKitApp } from './support/kit-app.js';
import {
  attributeSets,
  type CollectedMetric,
  createMeteredProvider,
  type MeteredProvider,
  pointsOf,
  valueOf,
} from './support/metric-reader.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';
import { CognitoEvents } from '../lib/events/cognito-events.js';

let metered: MeteredProvider | undefined;

// Registered before the kit and app hooks, so it runs after them: the provider outlives the app.
afterEach(async () => {
  await metered?.shutdown();
  metered = undefined;
  metrics.disable();
});

const startKitApp = usePerTestKitApp();

async function boot(overrides: Partial<CognitoAuthOptions> = {}, adapter: (typeof ADAPTERS)[number] = 'express') {
  const provider = (metered = createMeteredProvider());
  // A generous download timeout: the machine may be busy.
  const options = (kit: CognitoTestKit) =>
    fastJwksOptions(kit, { jwksTimeoutMs: 5_000, metrics: { meterProvider: provider.provider }, ...overrides });
  const { kit, app } = await startKitApp((kit) => startApp(probeModule(options(kit)), { adapter }));
  return { kit, app, metered: provider };
}

const call = (running: RunningApp, path: string, token?: string) =>
  get(`${running.url}${path}`, token === undefined ? {} : bearer(token));

const EVENT_KINDS = ['authenticate', 'authorize', 'jwks'] as const;

/** The app's own event outlets, which its metrics listen to: events published here are the app's. */
function outletsOf(running: RunningApp): Record<(typeof EVENT_KINDS)[number], { publish(event: object): void }> {
  const events = running.app.get(CognitoEvents);
  const publisher = (kind: (typeof EVENT_KINDS)[number]) => ({
    publish: (event: object) => events[kind].publish(event as never),
  });
  return { authenticate: publisher('authenticate'), authorize: publisher('authorize'), jwks: publisher('jwks') };
}

/** The kinds of event that someone (the app's metrics, or a diagnostics subscriber) listens to. */
function listenedTo(running: RunningApp): string[] {
  const events = running.app.get(CognitoEvents);
  return EVENT_KINDS.filter((kind) => events[kind].observed);
}

/** A token whose signature is another token's: it fails the signature check only. */
function withForeignSignature(token: string, other: string): string {
  const [header, payload] = segmentsOf(token);
  return `${header}.${payload}.${segmentsOf(other)[2]}`;
}

function expectInstrument(metric: CollectedMetric | undefined, kind: CollectedMetric['kind'], unit: string): void {
  expect(metric, 'instrument recorded').toBeDefined();
  expect({ kind: metric!.kind, unit: metric!.unit }).toEqual({ kind, unit });
}

describe.each(ADAPTERS)('each instrument with its unit and attributes after a mix of requests (%s)', (adapter) => {
  it('records attempts, decisions, key-set downloads, and cache and revocation entries', async () => {
    const { kit, app, metered } = await boot({}, adapter);
    const pool = kit.userPoolId;
    const user = kit.accessToken({ sub: 'user-one' });
    expect((await call(app, '/protected', user)).status).toBe(200);
    expect((await call(app, '/protected', user)).status).toBe(200); // from the token cache
    expect((await call(app, '/protected', kit.accessToken({}, { expiresIn: -3600 }))).status).toBe(401);
    expect((await call(app, '/protected', withForeignSignature(kit.accessToken(), user))).status).toBe(401);
    expect((await call(app, '/protected')).status).toBe(401);
    expect((await call(app, '/admin', user)).status).toBe(403);
    expect((await call(app, '/admin', kit.accessToken({ 'cognito:groups': ['admin'] }))).status).toBe(200);
    expect((await call(app, '/health')).status).toBe(200);
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: 'session-1', exp: nowSeconds() + 3600 });
    kit.setJwksBehaviour('error-500');
    expect((await call(app, '/protected', kit.accessToken({}, { header: { kid: randomKid() } }))).status).toBe(503);

    const collected = await metered.collect();

    const fetches = collected.get('cognito_auth.jwks.fetches');
    expectInstrument(fetches, 'counter', '{fetch}');
    expect(fetches!.points.map((point) => point.attributes)).toEqual(
      expect.arrayContaining([
        {
          'cognito_auth.user_pool.id': pool,
          'cognito_auth.jwks.trigger': 'cold',
          'cognito_auth.jwks.result': 'success',
        },
        {
          'cognito_auth.user_pool.id': pool,
          'cognito_auth.jwks.trigger': 'unknown_kid',
          'cognito_auth.jwks.result': 'failure',
          'error.type': 'http_status',
        },
      ]),
    );
    expect(valueOf(fetches)).toBe(2);
    const fetchDuration = collected.get('cognito_auth.jwks.fetch.duration');
    expectInstrument(fetchDuration, 'histogram', 's');
    expect(valueOf(fetchDuration, { 'cognito_auth.jwks.trigger': 'cold' })).toBe(1);
    expect(pointsOf(fetchDuration)[0]!.sum).toBeLessThan(5);

    const cacheEntries = collected.get('cognito_auth.token_cache.entries');
    expectInstrument(cacheEntries, 'up_down_counter', '{entry}');
    expect(valueOf(cacheEntries)).toBeGreaterThanOrEqual(2);
    const revocations = collected.get('cognito_auth.revocation.entries');
    expectInstrument(revocations, 'up_down_counter', '{entry}');
    expect(valueOf(revocations)).toBe(1);

    // Authentication attempts, by result, reason, status, cache and transport.
    const duration = collected.get('cognito_auth.authenticate.duration');
    expectInstrument(duration, 'histogram', 's');
    const common = { 'cognito_auth.transport': 'http' };
    const success = { ...common, 'cognito_auth.result': 'success', 'http.response.status_code': 200 };
    expect(valueOf(duration, { ...success, 'cognito_auth.token_cache.result': 'miss' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(duration, { ...success, 'cognito_auth.token_cache.result': 'hit' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(duration, { ...success, 'cognito_auth.user_pool.id': pool })).toBeGreaterThanOrEqual(2);
    const failure = { ...common, 'cognito_auth.result': 'failure', 'http.response.status_code': 401 };
    expect(valueOf(duration, { ...failure, 'cognito_auth.failure.reason': 'expired' })).toBe(1);
    expect(valueOf(duration, { ...failure, 'cognito_auth.failure.reason': 'invalid_signature' })).toBe(1);
    // No token on /protected (401) and on /health (admitted, but still an attempt without a token).
    expect(valueOf(duration, { ...common, 'cognito_auth.result': 'none' })).toBe(2);
    const unavailable = { 'http.response.status_code': 503, 'cognito_auth.failure.reason': 'unavailable' };
    expect(valueOf(duration, { ...common, ...unavailable })).toBe(1);
    for (const point of pointsOf(duration, { 'cognito_auth.result': 'none' })) {
      expect(point.attributes).not.toHaveProperty('cognito_auth.token_cache.result');
    }
    // Authorization decisions, by result and the kind of rule that decided.
    const attempts = collected.get('cognito_auth.authorization.attempts');
    expectInstrument(attempts, 'counter', '{attempt}');
    const groups = { 'cognito_auth.authorization.rule': 'groups' };
    expect(valueOf(attempts, { ...groups, 'cognito_auth.authorization.result': 'denied' })).toBe(1);
    expect(valueOf(attempts, { ...groups, 'cognito_auth.authorization.result': 'allowed' })).toBe(1);
  });
});

describe('bounded attributes: no series per user, nothing secret', () => {
  it('adds no attribute set for fifty more users, and no attribute holds a token, a segment of one or a sub', async () => {
    const { kit, app, metered } = await boot();
    const warmUp = kit.accessToken({ sub: 'warm-up-user' });
    await call(app, '/protected', warmUp);
    await call(app, '/protected', warmUp);
    await call(app, '/protected', kit.accessToken({ sub: 'warm-up-expired' }, { expiresIn: -3600 }));
    const before = attributeSets(await metered.collect());

    const tokens = Array.from({ length: 50 }, (_, index) => kit.accessToken({ sub: `user-${index}` }));
    for (const token of tokens) {
      expect((await call(app, '/protected', token)).status).toBe(200);
      expect((await call(app, '/protected', token)).status).toBe(200);
    }
    for (let index = 0; index < 50; index++) {
      const expired = kit.accessToken({ sub: `expired-${index}` }, { expiresIn: -3600 });
      expect((await call(app, '/protected', expired)).status).toBe(401);
    }
    const collected = await metered.collect();
    expect(attributeSets(collected)).toEqual(before);

    const text = JSON.stringify([...collected.values()]);
    for (const token of [warmUp, ...tokens]) {
      for (const part of segmentsOf(token)) expect(text).not.toContain(part);
    }
    expect(text).not.toMatch(/user-\d|warm-up|expired-\d/);
  });
});

describe('attribute values come from fixed lists, whatever an event says', () => {
  it('maps unknown reasons, rules and transports to other, drops a status that is none, and keeps known values', async () => {
    const { kit, app, metered } = await boot();
    const { authenticate, authorize } = outletsOf(app);
    const base = { status: 401, cacheHit: false, transport: 'http', userPoolId: kit.userPoolId, durationMs: 2 };
    authenticate.publish({ ...base, result: 'failure', reason: 'expired' });
    authenticate.publish({ ...base, result: 'failure', reason: 'sub 1234 said no', transport: 'carrier-pigeon' });
    authenticate.publish({ ...base, result: 'success', status: 200, cacheHit: true, userPoolId: 'not a pool id' });
    authenticate.publish({ ...base, result: 'none', status: 'x' });
    authorize.publish({ result: 'denied', rule: 'allGroups', status: 403 });
    authorize.publish({ result: 'allowed', rule: 'customer 42', status: 200 });

    const collected = await metered.collect();
    const duration = collected.get('cognito_auth.authenticate.duration');
    expect(duration!.points.map((point) => point.attributes)).toEqual(
      expect.arrayContaining([
        {
          'cognito_auth.result': 'failure',
          'cognito_auth.failure.reason': 'expired',
          'http.response.status_code': 401,
          'cognito_auth.token_cache.result': 'miss',
          'cognito_auth.transport': 'http',
          'cognito_auth.user_pool.id': kit.userPoolId,
        },
        {
          'cognito_auth.result': 'failure',
          'cognito_auth.failure.reason': 'other',
          'http.response.status_code': 401,
          'cognito_auth.token_cache.result': 'miss',
          'cognito_auth.transport': 'other',
          'cognito_auth.user_pool.id': kit.userPoolId,
        },
        {
          'cognito_auth.result': 'success',
          'http.response.status_code': 200,
          'cognito_auth.token_cache.result': 'hit',
          'cognito_auth.transport': 'http',
          'cognito_auth.user_pool.id': 'other',
        },
        {
          'cognito_auth.result': 'none',
          'cognito_auth.transport': 'http',
          'cognito_auth.user_pool.id': kit.userPoolId,
        },
      ]),
    );
    expect(pointsOf(duration, { 'cognito_auth.failure.reason': 'expired' })[0]!.sum).toBeCloseTo(0.002, 6);
    const attempts = collected.get('cognito_auth.authorization.attempts');
    expect(attempts!.points.map((point) => point.attributes)).toEqual(
      expect.arrayContaining([
        { 'cognito_auth.authorization.result': 'denied', 'cognito_auth.authorization.rule': 'all_groups' },
        { 'cognito_auth.authorization.result': 'allowed', 'cognito_auth.authorization.rule': 'other' },
      ]),
    );
  });
});

describe('every attempt reaches the duration histogram by the next collection, with its own value', () => {
  it('counts and sums each attempt of a set, collection after collection, and those made just before the app closes', async () => {
    const { kit, app, metered } = await boot();
    const { authenticate } = outletsOf(app);
    const attempt = { result: 'success', status: 200, cacheHit: true, transport: 'http', userPoolId: kit.userPoolId };
    const cached = { 'cognito_auth.result': 'success', 'cognito_auth.token_cache.result': 'hit' };
    let count = 0;
    let sumMs = 0;
    const publish = (attempts: number) => {
      for (let index = 0; index < attempts; index++) {
        const durationMs = (count % 7) + 0.25;
        authenticate.publish({ ...attempt, durationMs });
        count += 1;
        sumMs += durationMs;
      }
    };
    const expectRecorded = async () => {
      const duration = (await metered.collect()).get('cognito_auth.authenticate.duration');
      expect(valueOf(duration, cached)).toBe(count);
      expect(pointsOf(duration, cached)[0]!.sum).toBeCloseTo(sumMs / 1000, 9);
    };

    publish(1_000);
    await expectRecorded();
    publish(3);
    await expectRecorded();
    publish(5);
    await app.close();
    await expectRecorded();
  });
});

describe('the meter provider: looked up when the app boots, or given', () => {
  it('uses the global meter provider registered after the module was built, before the app booted', async () => {
    const kit = await startKitApp.kit();
    const { NestFactory } = await import('@nestjs/core');
    const { Module } = await import('@nestjs/common');
    @Module(probeModule(fastJwksOptions(kit, { jwksTimeoutMs: 5_000 })))
    class LateSdkModule {}
    const nest = await NestFactory.create(LateSdkModule, { logger: false });
    metered = createMeteredProvider();
    metrics.setGlobalMeterProvider(metered.provider);
    await nest.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(nest.getHttpServer().address() as { port: number }).port}`;
    const app = await startKitApp.app({ app: nest, url, logs: undefined as never, close: () => nest.close() });
    expect((await call(app, '/protected', kit.accessToken())).status).toBe(200);
    expect(valueOf((await metered.collect()).get('cognito_auth.jwks.fetches'))).toBe(1);
  });

  it('subscribes to nothing when no SDK has registered a global provider (the API alone is a no-op)', async () => {
    const { kit, app } = await startKitApp((kit) =>
      startApp(probeModule(fastJwksOptions(kit, { jwksTimeoutMs: 5_000 }))),
    );
    expect((await call(app, '/protected', kit.accessToken())).status).toBe(200);
    expect(listenedTo(app)).toEqual([]);
  });

  it('records the key-set download of preloadKeys, made before the app booted', async () => {
    const { metered } = await boot({ preloadKeys: 'required' });
    const fetches = (await metered.collect()).get('cognito_auth.jwks.fetches');
    expect(valueOf(fetches, { 'cognito_auth.jwks.trigger': 'preload', 'cognito_auth.jwks.result': 'success' })).toBe(1);
  });

  it('records nothing with metrics: false, even with a global meter provider', async () => {
    metered = createMeteredProvider();
    metrics.setGlobalMeterProvider(metered.provider);
    const { kit, app } = await startKitApp((kit) =>
      startApp(probeModule(fastJwksOptions(kit, { jwksTimeoutMs: 5_000, metrics: false }))),
    );
    expect((await call(app, '/protected', kit.accessToken())).status).toBe(200);
    expect((await metered.collect()).size).toBe(0);
    expect(listenedTo(app)).toEqual([]);
  });

  it('stops listening when the app closes', async () => {
    const { app: running } = await boot();
    expect(listenedTo(running)).toEqual(['authenticate', 'authorize', 'jwks']);
    await running.close();
    expect(listenedTo(running)).toEqual([]);
  });
});
