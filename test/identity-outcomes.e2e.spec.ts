// Each answer of the app's transformer and what the client gets for it: an object admits with
// the principal in @CurrentUser() and policies while @CurrentCognitoUser() and the built-in rules
// keep the Cognito user; null is 401 user_not_found; thrown refusals keep their status; anything
// else, a non-object or a timeout is 503 with Retry-After, logged once without the token; a
// @Public() route treats every refusal as no user; the principal is deeply frozen (both adapters).
import { ForbiddenException } from '@nestjs/common';
import { type CognitoUser, InvalidTokenError } from 'nestjs-cognito-auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useApp, useKit } from './support/kit-app.js';
import { expectInvalidToken, startModuleApp } from './support/auth-e2e.js';
import { errorLines } from './support/error-log.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { appUserOf, TransformerProbe, WhoController } from './support/identity.js';
import { expectForbidden } from './support/policy-e2e.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';

const TIMEOUT_MS = 200;
const USER_NOT_FOUND = 'The user is not known to this application';

const kit = useKit();

const unavailable = (res: HttpResult) => ({
  status: res.status,
  retryAfter: res.headers['retry-after'],
  challenge: res.headers['www-authenticate'],
});

describe.each(ADAPTERS)('what the transformer answers decides the request (%s)', (adapter) => {
  const probe = new TransformerProbe();
  let app: RunningApp;
  beforeAll(async () => {
    app = await startModuleApp(
      kit,
      { transformUser: probe.transform, transformUserTimeoutMs: TIMEOUT_MS },
      [WhoController],
      adapter,
    );
  });
  beforeEach(() => probe.reset());
  afterAll(async () => {
    await app?.close();
  });
  const call = (path: string, token: string) => get(`${app.url}/who${path}`, bearer(token));

  it('an object: 200, @CurrentUser() and request.user the principal, @CurrentCognitoUser() and request.cognitoUser the Cognito user', async () => {
    const token = kit.accessToken({ username: 'alice' });
    const res = await call('', token);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.principal.appId).toBe(`app-${body.cognitoSub}`);
    expect(body).toMatchObject({
      cognitoUsername: 'alice',
      requestUserIsPrincipal: true,
      requestCognitoUserIsUser: true,
    });
  });

  it('the transformer gets the verified user, its header and payload, and a live signal', async () => {
    let seen: { user: CognitoUser; alg: string; kid: string; sameClaims: boolean; aborted: boolean } | undefined;
    probe.answer = (user, { header, payload, signal }) => {
      seen = { user, alg: header.alg, kid: header.kid, sameClaims: payload === user.claims, aborted: signal.aborted };
      return { id: 1 };
    };
    const token = kit.accessToken({ username: 'bob' });
    expect((await call('', token)).status).toBe(200);
    expect(seen).toMatchObject({ alg: 'RS256', sameClaims: true, aborted: false, user: { username: 'bob' } });
    expect(seen!.kid).toBe(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid);
  });

  it('@Groups reads the Cognito user: its groups admit, although the principal has none', async () => {
    const admin = kit.accessToken({ 'cognito:groups': ['admin'] });
    const res = await call('/admin', admin);
    expect(res.status).toBe(200);
    expect(res.json().appId).toMatch(/^app-/);
    expectForbidden(await call('/admin', kit.accessToken()));
  });

  it('a @Policy gets the principal', async () => {
    expect((await call('/pro', kit.accessToken())).status).toBe(200);
    probe.answer = (user) => ({ appId: user.sub, plan: 'free' });
    expectForbidden(await call('/pro', kit.accessToken()), 'A policy of this route refused the request');
  });

  it('null or undefined: 401 invalid_token naming the user not found, and not kept', async () => {
    for (const missing of [null, undefined]) {
      probe.reset();
      probe.answer = () => missing;
      const token = kit.accessToken();
      expectInvalidToken(await call('', token), USER_NOT_FOUND);
      expectInvalidToken(await call('', token), USER_NOT_FOUND);
      expect(probe.calls).toBe(2);
    }
  });

  it('a thrown ForbiddenException: 403 as thrown, no challenge', async () => {
    probe.answer = () => {
      throw new ForbiddenException('This account is suspended');
    };
    const res = await call('', kit.accessToken());
    expectForbidden(res, 'This account is suspended');
  });

  it('a thrown InvalidTokenError: 401 with its description', async () => {
    probe.answer = () => {
      throw new InvalidTokenError('user_not_found', 'The account was deleted');
    };
    expectInvalidToken(await call('', kit.accessToken()), 'The account was deleted');
  });

  it('anything else thrown, or a string returned: 503 with Retry-After, each logged once, without the token', async () => {
    const since = app.logs.lines.length;
    const tokens = [kit.accessToken(), kit.accessToken()];
    probe.answer = () => {
      throw new Error(`database down for ${tokens[0]}`);
    };
    for (const token of tokens) {
      expect(unavailable(await call('', token))).toEqual({ status: 503, retryAfter: '5', challenge: undefined });
    }
    probe.answer = () => 'alice';
    for (const token of tokens) {
      expect(unavailable(await call('', token))).toEqual({ status: 503, retryAfter: '5', challenge: undefined });
    }
    expect(probe.calls).toBe(4);
    const errors = errorLines(app.logs, since);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('transformUser failed');
    for (const token of tokens) expect(app.logs.text()).not.toContain(token);
  });

  it('no answer within transformUserTimeoutMs: 503 with Retry-After, the signal aborted, logged once', async () => {
    const since = app.logs.lines.length;
    const seenInside: boolean[] = [];
    probe.answer = (_user, { signal }) =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          seenInside.push(signal.aborted); // what a lookup that passes the signal on would see
          setTimeout(() => resolve({ late: true }), 10);
        }),
      );
    const token = kit.accessToken();
    const started = Date.now();
    expect(unavailable(await call('', token))).toEqual({ status: 503, retryAfter: '5', challenge: undefined });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(probe.signals[0].aborted).toBe(true);
    expect(seenInside).toEqual([true]);
    // The late answer was dropped: the next request asks again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unavailable(await call('', token)).status).toBe(503);
    expect(probe.calls).toBe(2);
    const errors = errorLines(app.logs, since);
    expect(errors.filter((line) => line.includes('did not answer'))).toHaveLength(1);
    expect(app.logs.text()).not.toContain(token);
  });

  it('on a @Public() route, null, a throw or a timeout leave both users null: 200', async () => {
    const answers: Array<() => unknown> = [
      () => null,
      () => {
        throw new ForbiddenException();
      },
      () => {
        throw new Error('down');
      },
      () => new Promise(() => undefined),
    ];
    for (const answer of answers) {
      probe.answer = answer;
      const res = await call('/public', kit.accessToken());
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 200,
        body: { principal: null, cognitoSub: null },
      });
    }
    expect(probe.calls).toBe(answers.length);
  });

  it('on a @Public() route, an object: the principal and the Cognito user', async () => {
    const res = await call('/public', kit.accessToken());
    expect(res.status).toBe(200);
    expect(res.json().principal.appId).toBe(`app-${res.json().cognitoSub}`);
  });
});

describe.each(ADAPTERS)('the principal is deeply frozen (%s)', (adapter) => {
  const probe = new TransformerProbe();
  const app = useApp(() => startModuleApp(kit, { transformUser: probe.transform }, [WhoController], adapter));

  it('changing a field, a nested array or adding one throws in strict mode, and nothing sticks', async () => {
    const token = kit.accessToken();
    const first = (await get(`${app.url}/who/change`, bearer(token))).json();
    expect(first).toMatchObject({ threw: ['field', 'nested', 'added'], frozen: true });
    const second = (await get(`${app.url}/who/change`, bearer(token))).json();
    expect(second.principal).toEqual({
      appId: expect.any(String),
      sub: expect.any(String),
      plan: 'pro',
      profile: { tags: ['a'] },
    });
    expect(probe.calls).toBe(1);
  });

  it('a Date, a Set and a Map in the principal are read-only copies: their mutators throw, and nothing sticks', async () => {
    probe.answer = (user) => ({
      ...appUserOf(user),
      since: new Date(0),
      roles: new Set(['user']),
      limits: new Map([['seats', 1]]),
    });
    const token = kit.accessToken();
    const first = (await get(`${app.url}/who/change`, bearer(token))).json();
    expect(first.threw).toEqual(['field', 'nested', 'added', 'date', 'set', 'map']);
    const second = (await get(`${app.url}/who/change`, bearer(token))).json();
    expect(second).toMatchObject({
      principal: { since: new Date(0).toISOString() },
      roles: ['user'],
      limits: [['seats', 1]],
      isSet: true,
    });
  });

  it('binary data cannot be made read-only: 503 with Retry-After, the kind logged once, no principal kept', async () => {
    probe.answer = (user) => ({ ...appUserOf(user), avatar: new Uint8Array([1, 2, 3]) });
    const since = app.logs.lines.length;
    const callsBefore = probe.calls;
    const token = kit.accessToken();
    for (let i = 0; i < 2; i++) {
      const res = await get(`${app.url}/who`, bearer(token));
      expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '5' });
    }
    expect(probe.calls - callsBefore).toBe(2);
    const errors = errorLines(app.logs, since);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('a Uint8Array cannot be made read-only');
  });
});
