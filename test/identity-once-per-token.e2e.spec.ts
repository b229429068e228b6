// The app's own user is made once per token: concurrent requests share one call, the principal is
// reused for transformUserMaxAgeMs and never past the token's exp, forgetUser and revocation drop
// it, and no call is made for tokens that are refused or absent (both adapters).
import { randomUUID } from 'node:crypto';
import { CognitoRevocationService, CognitoTokenVerifier } from 'nestjs-cognito-auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CognitoPrincipals } from '../lib/identity/cognito-principals.js';
import { useKit } from './support/kit-app.js';
import {
  DESCRIPTIONS,
  expectBareChallenge,
  expectInvalidToken,
  nowSeconds,
  startModuleApp,
} from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { TransformerProbe, WhoController } from './support/identity.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';

const kit = useKit();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Until the clock is past `exp` (seconds). */
const sleepPast = (exp: number) => sleep(exp * 1000 - Date.now() + 100);
const who = (app: RunningApp, token?: string) => get(`${app.url}/who`, token === undefined ? {} : bearer(token));

/** An app whose transformUser is `probe`, with these other options. */
function probedApp(adapter: (typeof ADAPTERS)[number], options: Record<string, unknown> = {}) {
  const handle = { app: undefined as unknown as RunningApp, probe: new TransformerProbe() };
  beforeAll(async () => {
    handle.app = await startModuleApp(
      kit,
      { transformUser: handle.probe.transform, ...options },
      [WhoController],
      adapter,
    );
  });
  beforeEach(() => handle.probe.reset());
  afterAll(async () => {
    await handle.app?.close();
  });
  return handle;
}

describe.each(ADAPTERS)('one transformer call per token (%s)', (adapter) => {
  const handle = probedApp(adapter);

  it('three sequential requests with one token make one call, and each gets the principal', async () => {
    const sub = randomUUID();
    const token = kit.accessToken({ sub });
    for (let i = 0; i < 3; i += 1) {
      const res = await who(handle.app, token);
      expect(res.status).toBe(200);
      expect(res.json().principal).toEqual({ appId: `app-${sub}`, sub, plan: 'pro', profile: { tags: ['a'] } });
    }
    expect(handle.probe.calls).toBe(1);
  });

  it('twenty concurrent requests with a new token share one call', async () => {
    handle.probe.delayMs = 100;
    const token = kit.accessToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => who(handle.app, token)));
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((res) => res.body)).size).toBe(1);
    expect(handle.probe.calls).toBe(1);
  });

  it('a second token of the same user makes a second call', async () => {
    const sub = randomUUID();
    const first = kit.accessToken({ sub });
    const second = kit.accessToken({ sub });
    expect((await who(handle.app, first)).status).toBe(200);
    expect((await who(handle.app, second)).status).toBe(200);
    expect((await who(handle.app, first)).status).toBe(200);
    expect(handle.probe.calls).toBe(2);
  });
});

describe.each(ADAPTERS)('transformUserMaxAgeMs bounds how long a principal is reused (%s)', (adapter) => {
  const short = probedApp(adapter, { transformUserMaxAgeMs: 1_000 });
  const never = probedApp(adapter, { transformUserMaxAgeMs: 0 });

  it('a short max age: one call while it lasts, a new call after it', async () => {
    const token = kit.accessToken();
    expect((await who(short.app, token)).status).toBe(200);
    expect((await who(short.app, token)).status).toBe(200);
    expect(short.probe.calls).toBe(1);
    await sleep(1_100);
    expect((await who(short.app, token)).status).toBe(200);
    expect(short.probe.calls).toBe(2);
  });

  it('0: every request calls the transformer', async () => {
    const token = kit.accessToken();
    for (let i = 0; i < 3; i += 1) expect((await who(never.app, token)).status).toBe(200);
    expect(never.probe.calls).toBe(3);
  });
});

describe.each(ADAPTERS)('a principal never outlives its token (%s)', (adapter) => {
  const tolerant = probedApp(adapter);
  const strict = probedApp(adapter, { clockTolerance: 0 });

  it('past exp, within the clock tolerance, the token is admitted again with a new call', async () => {
    const exp = nowSeconds() + 2;
    const token = kit.accessToken({ exp });
    expect((await who(tolerant.app, token)).status).toBe(200);
    expect(tolerant.probe.calls).toBe(1);
    await sleepPast(exp);
    expect((await who(tolerant.app, token)).status).toBe(200);
    expect(tolerant.probe.calls).toBe(2);
  });

  it('an expired token gets 401 and no call, although its principal was made before', async () => {
    const exp = nowSeconds() + 2;
    const token = kit.accessToken({ exp });
    expect((await who(strict.app, token)).status).toBe(200);
    await sleepPast(exp);
    expectInvalidToken(await who(strict.app, token), DESCRIPTIONS.expired);
    expect(strict.probe.calls).toBe(1);
  });
});

describe.each(ADAPTERS)('forgetUser(sub) drops the principals of every token of that user (%s)', (adapter) => {
  const handle = probedApp(adapter);

  it("the next request of each of the user's tokens calls again; other users keep theirs", async () => {
    const sub = randomUUID();
    const tokens = [kit.accessToken({ sub }), kit.accessToken({ sub })];
    const other = kit.accessToken();
    for (const token of [...tokens, other]) expect((await who(handle.app, token)).status).toBe(200);
    expect(handle.probe.calls).toBe(3);
    handle.probe.reset();

    handle.app.app.get(CognitoTokenVerifier).forgetUser(sub);
    for (const token of [...tokens, ...tokens, other]) expect((await who(handle.app, token)).status).toBe(200);
    expect(handle.probe.calls).toBe(2);
  });

  it('a principal being made when the user is forgotten serves the waiting requests and is not kept', async () => {
    const sub = randomUUID();
    const token = kit.accessToken({ sub });
    handle.probe.delayMs = 150;
    const pending = who(handle.app, token);
    await sleep(50);
    handle.app.app.get(CognitoTokenVerifier).forgetUser(sub);
    expect((await pending).status).toBe(200);
    handle.probe.delayMs = 0;
    expect((await who(handle.app, token)).status).toBe(200);
    expect(handle.probe.calls).toBe(2);
  });
});

describe.each(ADAPTERS)(
  'revocation refuses the token before the transformer and drops its principal (%s)',
  (adapter) => {
    const handle = probedApp(adapter);
    const revoked = 'The token has been revoked';

    it('a revoked session: 401 invalid_token, no call, and the principals of its tokens are dropped', async () => {
      const sub = randomUUID();
      const session = randomUUID();
      const token = kit.accessToken({ sub, origin_jti: session });
      const res = await who(handle.app, token);
      expect(res.status).toBe(200);
      const principals = handle.app.app.get(CognitoPrincipals);
      const forgetSession = vi.spyOn(principals, 'forgetSession');
      try {
        await handle.app.app
          .get(CognitoRevocationService)
          .revoke({ sub, origin_jti: session, exp: nowSeconds() + 600 });
        expect(forgetSession).toHaveBeenCalledWith(sub, session);
      } finally {
        forgetSession.mockRestore();
      }
      expectInvalidToken(await who(handle.app, token), revoked);
      expect(handle.probe.calls).toBe(1);
    });

    it('a revoked token (jti): 401 invalid_token, no call; another token of the sign-in keeps its principal', async () => {
      const sub = randomUUID();
      const session = randomUUID();
      const [token, sibling] = [
        kit.accessToken({ sub, origin_jti: session }),
        kit.accessToken({ sub, origin_jti: session }),
      ];
      for (const each of [token, sibling]) expect((await who(handle.app, each)).status).toBe(200);
      const user = await handle.app.app.get(CognitoTokenVerifier).verify(token);
      await handle.app.app.get(CognitoRevocationService).revokeToken(user);
      expectInvalidToken(await who(handle.app, token), revoked);
      expect((await who(handle.app, sibling)).status).toBe(200);
      expect(handle.probe.calls).toBe(2);
    });
  },
);

describe.each(ADAPTERS)('no call for refused tokens or public routes without a token (%s)', (adapter) => {
  const handle = probedApp(adapter);

  it('an expired token, a wrong client, a forged signature, a missing token: refused without a call', async () => {
    const expired = kit.accessToken({ exp: nowSeconds() - 60, iat: nowSeconds() - 3600 });
    expectInvalidToken(await who(handle.app, expired), DESCRIPTIONS.expired);
    expectInvalidToken(await who(handle.app, kit.accessToken({ client_id: 'other' })), DESCRIPTIONS.clientId);
    const [head, body] = kit.accessToken().split('.');
    const forged = `${head}.${body}.${kit.accessToken().split('.')[2]}`;
    expectInvalidToken(await who(handle.app, forged), DESCRIPTIONS.signature);
    expectBareChallenge(await who(handle.app));
    expect(handle.probe.calls).toBe(0);
  });

  it('a @Public() route without a token: 200, both users null, no call', async () => {
    const res = await get(`${handle.app.url}/who/public`);
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 200,
      body: { principal: null, cognitoSub: null },
    });
    expect(handle.probe.calls).toBe(0);
  });
});
