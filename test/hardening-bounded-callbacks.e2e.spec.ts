/**
 * Callbacks of the app that the module awaits are bounded, and a misbehaving one is logged once
 * per kind, not once per request: a `customCheck` that never settles is answered 503 with
 * `Retry-After` within `callbackTimeoutMs`; a `tokenExtractor` that throws is answered 401
 * (never 500). Real apps on both adapters, real HTTP, the kit's real JWKS server.
 */
import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLines } from './support/error-log.js';
import { MeController } from './support/fixture-app.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

const CALLBACK_TIMEOUT_MS = 200;
/** What the answer may take past the bound on a shared, busy machine. */
const SLACK_MS = 800;
const REQUESTS = 5;

let kit: CognitoTestKit;
beforeAll(async () => {
  kit = await createCognitoTestKit();
});
afterAll(async () => {
  await kit?.close();
});

/** An app with a `/me` route and these options; closed after the suite. */
function appWith(adapter: (typeof ADAPTERS)[number], options: () => Partial<CognitoAuthOptions>) {
  const handle = { app: undefined as unknown as RunningApp };
  beforeAll(async () => {
    handle.app = await startApp(
      { imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options() })], controllers: [MeController] },
      { adapter },
    );
  });
  afterAll(async () => {
    await handle.app?.close();
  });
  return handle;
}

async function timed(request: () => Promise<HttpResult>): Promise<{ res: HttpResult; ms: number }> {
  const started = performance.now();
  const res = await request();
  return { res, ms: performance.now() - started };
}

describe.each(ADAPTERS)('a customCheck that never settles is bounded by callbackTimeoutMs (%s)', (adapter) => {
  let calls = 0;
  const handle = appWith(adapter, () => ({
    callbackTimeoutMs: CALLBACK_TIMEOUT_MS,
    customCheck: () => {
      calls += 1;
      return new Promise<void>(() => undefined);
    },
  }));

  it(`answers 503 with Retry-After within ${CALLBACK_TIMEOUT_MS} ms, five times, and logs it once`, async () => {
    const since = handle.app.logs.lines.length;
    const token = kit.accessToken();
    for (let i = 0; i < REQUESTS; i++) {
      const { res, ms } = await timed(() => get(`${handle.app.url}/me`, bearer(token)));
      expect({
        status: res.status,
        retryAfter: res.headers['retry-after'],
        challenge: res.headers['www-authenticate'],
      }).toEqual({ status: 503, retryAfter: '5', challenge: undefined });
      expect(res.json()).toMatchObject({ statusCode: 503 });
      expect(ms).toBeGreaterThanOrEqual(CALLBACK_TIMEOUT_MS - 5);
      expect(ms).toBeLessThan(CALLBACK_TIMEOUT_MS + SLACK_MS);
    }
    expect(calls).toBe(REQUESTS);
    const errors = errorLines(handle.app.logs, since);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/customCheck did not answer within 200 ms/);
    expect(handle.app.logs.text()).not.toContain(token);
  });
});

describe.each(ADAPTERS)('a tokenExtractor that throws is answered 401 and logged once (%s)', (adapter) => {
  let calls = 0;
  const handle = appWith(adapter, () => ({
    tokenExtractor: () => {
      calls += 1;
      throw new TypeError('cannot read properties of undefined');
    },
  }));

  it('answers 401 invalid_token to five requests, never 500, and logs one line', async () => {
    const since = handle.app.logs.lines.length;
    const token = kit.accessToken();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await get(`${handle.app.url}/me`, bearer(token));
      expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
        status: 401,
        challenge: expect.stringMatching(/^Bearer error="invalid_token"/),
      });
      expect(res.json()).toMatchObject({ statusCode: 401 });
    }
    expect(calls).toBe(REQUESTS);
    const errors = errorLines(handle.app.logs, since);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/tokenExtractor threw TypeError/);
    expect(handle.app.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
    expect(handle.app.logs.text()).not.toContain(token);
  });
});
