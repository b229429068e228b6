/**
 * Classic JWT attacks and malformed inputs, over real HTTP, on both adapters.
 *
 * One table (`CASES`); every case asserts the status AND the challenge header, and that the
 * answer does not echo the token. Refused tokens are also sent to the sample app's public
 * `/optional` route, which must answer 200 with no user. Tokens are built with real keys and,
 * for foreign algorithms, real signatures of that algorithm: only the library's checks stand
 * between each hostile token and a 200.
 *
 * `HOSTILE_TRACE=1` prints each case's status and challenge (handy when a description changes).
 */
import { describe, expect, it } from 'vitest';
import { get, type HttpResult } from './support/http.js';
import { useApp, useKit } from './support/kit-app.js';
import {
  BARE_CHALLENGE,
  challengeOf,
  expectInvalidRequest,
  expectInvalidTokenNotEchoed,
  expectNoCredentials,
  expectNoTokenIn,
  INVALID_TOKEN_CHALLENGE,
  probeModule,
} from './support/hostile.js';
import { useHostileApps } from './support/hostile-apps.js';
import { CASES, type Probe } from './support/hostile-cases.js';
import { ADAPTERS, startApp, startSampleApp } from './support/test-app.js';

const JKU_CASES = new Set(CASES.filter((c) => /jku|x5u|jwk|x5c/.test(c.name)).map((c) => c.name));

/** Sends the probe; a connection the server drops (huge headers) is reported as status 0. */
async function send(url: string, probe: Probe): Promise<HttpResult> {
  try {
    return await get(`${url}${probe.path ?? '/me'}`, probe.headers);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      return { status: 0, headers: {}, body: '', json: <T>() => undefined as T };
    }
    throw error;
  }
}

function descriptionOf(res: HttpResult): string {
  return /error_description="([^"]*)"/.exec(challengeOf(res) ?? '')?.[1] ?? '';
}

describe.each(ADAPTERS)('hostile tokens and malformed requests (%s)', (adapter) => {
  const { ctx, main: sample, targetOf } = useHostileApps((ctx) => startSampleApp(ctx.kit, { adapter }), adapter);

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const probe = testCase.build(ctx);
    const target = targetOf(probe);
    const path = probe.target === 'small' && !probe.path ? '/protected' : probe.path;
    const res = await send(target.url, { ...probe, path });
    expect(res.status, `never 500: ${res.body}`).not.toBeGreaterThanOrEqual(500);

    switch (testCase.expect) {
      case 'ok':
        expect({ status: res.status, challenge: challengeOf(res) }).toEqual({ status: 200, challenge: undefined });
        expect(res.json().sub ?? res.json().username).toBeTruthy();
        break;
      case 'forbidden':
        expect({ status: res.status, challenge: challengeOf(res) }).toEqual({ status: 403, challenge: undefined });
        break;
      case 'invalid_token':
        expectInvalidTokenNotEchoed(res, probe.token);
        if (testCase.describes) expect(descriptionOf(res)).toMatch(testCase.describes);
        break;
      case 'no_credentials':
        expectNoCredentials(res);
        break;
      case 'unauthenticated':
        expect(res.status).toBe(401);
        expect(challengeOf(res)).toMatch(new RegExp(`${BARE_CHALLENGE.source}|${INVALID_TOKEN_CHALLENGE.source}`));
        break;
      case 'invalid_request':
        expectInvalidRequest(res);
        break;
      case 'too_large':
        // Node answers 431 before any handler runs (or drops the connection mid-upload: 0).
        if (res.status === 431 || res.status === 0) break;
        expectInvalidTokenNotEchoed(res, probe.token);
        break;
    }
    if (process.env.HOSTILE_TRACE)
      console.info(`[trace] ${adapter} ${res.status} ${testCase.name} :: ${challengeOf(res) ?? '-'}`);
    if (probe.token && res.status !== 0) expectNoTokenIn(res, probe.token);

    // A refused token never populates a user on a public route either.
    if (testCase.expect === 'invalid_token' && probe.target !== 'small' && !probe.path) {
      const optional = await send(sample().url, { ...probe, path: '/optional' });
      expect({ status: optional.status, body: optional.json() }).toEqual({ status: 200, body: { user: null } });
    }
    if (JKU_CASES.has(testCase.name)) expect(ctx.counting.requests).toEqual([]);
  });

  it('the app still answers after every case', async () => {
    expect((await get(`${sample().url}/health`)).status).toBe(200);
    expect((await get(`${sample().url}/me`, { authorization: `Bearer ${ctx.kit.accessToken()}` })).status).toBe(200);
  });
});

describe.each(ADAPTERS)('several pools: keys are bound to their issuer (%s)', (adapter) => {
  const a = useKit({ userPoolId: 'us-east-1_PoolA', clientId: 'client-a' });
  const b = useKit({ userPoolId: 'us-east-1_PoolB', clientId: 'client-b' });
  const app = useApp(() => startApp(probeModule({ userPools: [a.moduleOptions(), b.moduleOptions()] }), { adapter }));

  const protectedRoute = (token: string) => get(`${app.url}/protected`, { authorization: `Bearer ${token}` });

  it('accepts each pool with its own key (controls)', async () => {
    expect((await protectedRoute(a.accessToken())).status).toBe(200);
    expect((await protectedRoute(b.accessToken())).status).toBe(200);
  });

  it.each([
    ["iss A, kid and signature of B's published key", () => a.accessToken({}, { key: b.currentKey })],
    ["iss B, kid and signature of A's published key", () => b.accessToken({}, { key: a.currentKey })],
    ["iss A with B's client id", () => a.accessToken({ client_id: 'client-b' })],
    ["iss B, A's kid, B's signature", () => b.accessToken({}, { header: { kid: a.currentKey.kid } })],
  ])('%s → 401', async (_name, build) => {
    const token = build();
    // Make sure both key sets are cached first, so the refusal is the binding, not a cold cache.
    await protectedRoute(a.accessToken());
    await protectedRoute(b.accessToken());
    expectInvalidTokenNotEchoed(await protectedRoute(token), token);
  });
});

describe('hostile case count', () => {
  it('has a case table of a useful size', () => {
    console.info(
      `[hostile-tokens] ${CASES.length} cases × ${ADAPTERS.length} adapters = ${CASES.length * ADAPTERS.length} runs (+ multi-pool binding cases)`,
    );
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });
});
