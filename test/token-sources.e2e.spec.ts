/**
 * Where the token comes from, over real HTTP on both adapters: the Authorization header by
 * default, a named cookie when `tokenCookie` is set (the header wins), or a custom extractor.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import {
  type CognitoAuthOptions,
  CognitoAuthConfigError,
  CognitoAuthModule,
  type CognitoUser,
  CurrentUser,
  tokenFromCookie,
  tokenFromRequest,
} from 'nestjs-cognito-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveCognitoAuthConfig } from '../lib/cognito-auth.config.js';
import { useApp, useKit } from './support/kit-app.js';
import {
  BARE_CHALLENGE,
  challengeOf,
  expectInvalidTokenNotEchoed,
  INVALID_REQUEST_CHALLENGE,
  probeModule,
} from './support/hostile.js';
import { get } from './support/http.js';
import { ask, SocketClients } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

const COOKIE = 'id_token';

/** Starts a probe app (/protected, /optional, /health) with these options; closes it after the suite. */
function probeApp(adapter: (typeof ADAPTERS)[number], options: () => CognitoAuthOptions) {
  const handle = { app: undefined as unknown as RunningApp };
  beforeAll(async () => {
    handle.app = await startApp(probeModule(options()), { adapter });
  });
  afterAll(async () => {
    await handle.app?.close();
  });
  return handle;
}

const kit = useKit();

const subOf = (res: { json(): any }) => res.json().sub;

describe.each(ADAPTERS)('tokenCookie: the cookie is read, the header wins (%s)', (adapter) => {
  const probe = probeApp(adapter, () => ({ ...kit.moduleOptions(), tokenCookie: COOKIE }));

  it('reads the token from the cookie alone', async () => {
    const res = await get(`${probe.app.url}/protected`, {
      cookie: `theme=dark; ${COOKIE}=${kit.accessToken({ sub: 'from-cookie' })}; lang=fr`,
    });
    expect({ status: res.status, sub: subOf(res) }).toEqual({ status: 200, sub: 'from-cookie' });
  });

  it('uses the header when both are sent', async () => {
    const res = await get(`${probe.app.url}/protected`, {
      authorization: `Bearer ${kit.accessToken({ sub: 'from-header' })}`,
      cookie: `${COOKIE}=${kit.accessToken({ sub: 'from-cookie' })}`,
    });
    expect({ status: res.status, sub: subOf(res) }).toEqual({ status: 200, sub: 'from-header' });
  });

  it('judges the header alone when both are sent: an invalid header is not rescued by a valid cookie', async () => {
    const expired = kit.accessToken({}, { expiresIn: -60 });
    const res = await get(`${probe.app.url}/protected`, {
      authorization: `Bearer ${expired}`,
      cookie: `${COOKIE}=${kit.accessToken()}`,
    });
    expectInvalidTokenNotEchoed(res, expired);
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty Bearer', 'Bearer '],
    ['an empty value', ''],
  ])('never reads the cookie behind an Authorization header with %s', async (_case, authorization) => {
    const res = await get(`${probe.app.url}/protected`, {
      authorization,
      cookie: `${COOKIE}=${kit.accessToken({ sub: 'from-cookie' })}`,
    });
    expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
      status: 401,
      challenge: 'Bearer',
    });
  });

  it('accepts a quoted cookie value and two Cookie headers', async () => {
    const token = kit.accessToken({ sub: 'quoted' });
    const res = await get(`${probe.app.url}/protected`, { cookie: ['theme=dark', `${COOKIE}="${token}"`] });
    expect({ status: res.status, sub: subOf(res) }).toEqual({ status: 200, sub: 'quoted' });
  });

  it('does not take a cookie whose name only contains the configured one', async () => {
    const res = await get(`${probe.app.url}/protected`, {
      cookie: `x${COOKIE}=${kit.accessToken()}; ${COOKIE}x=${kit.accessToken()}`,
    });
    expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
      status: 401,
      challenge: expect.stringMatching(BARE_CHALLENGE),
    });
  });

  it('fills @CurrentUser on a public route from the cookie', async () => {
    const res = await get(`${probe.app.url}/optional`, { cookie: `${COOKIE}=${kit.accessToken({ sub: 'optional' })}` });
    expect(res.json()).toEqual({ user: { sub: 'optional' } });
  });
});

describe.each(ADAPTERS)('tokenCookie: an invalid cookie is refused (%s)', (adapter) => {
  const probe = probeApp(adapter, () => ({ ...kit.moduleOptions(), tokenCookie: COOKIE }));

  it('answers 401 invalid_token to an expired token in the cookie', async () => {
    const expired = kit.accessToken({}, { expiresIn: -60 });
    expectInvalidTokenNotEchoed(await get(`${probe.app.url}/protected`, { cookie: `${COOKIE}=${expired}` }), expired);
  });

  it('answers 401 invalid_token to a forged token in the cookie', async () => {
    const forged = kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } });
    expectInvalidTokenNotEchoed(await get(`${probe.app.url}/protected`, { cookie: `${COOKIE}=${forged}` }), forged);
  });

  it('answers 401 invalid_token to junk in the cookie', async () => {
    expectInvalidTokenNotEchoed(await get(`${probe.app.url}/protected`, { cookie: `${COOKIE}=not-a-jwt` }));
  });

  it('refuses two different values of the cookie: 400 invalid_request', async () => {
    const res = await get(`${probe.app.url}/protected`, {
      cookie: `${COOKIE}=${kit.accessToken({ sub: 'a' })}; ${COOKIE}=${kit.accessToken({ sub: 'b' })}`,
    });
    expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
      status: 400,
      challenge: expect.stringMatching(INVALID_REQUEST_CHALLENGE),
    });
  });

  it('answers the public route with no user', async () => {
    const res = await get(`${probe.app.url}/optional`, {
      cookie: `${COOKIE}=${kit.accessToken({}, { expiresIn: -60 })}`,
    });
    expect({ status: res.status, body: res.json() }).toEqual({ status: 200, body: { user: null } });
  });
});

describe.each(ADAPTERS)('without tokenCookie the cookie is ignored (%s)', (adapter) => {
  const probe = probeApp(adapter, () => kit.moduleOptions());

  it('answers 401 with a bare challenge, a valid token in the cookie notwithstanding', async () => {
    const res = await get(`${probe.app.url}/protected`, { cookie: `${COOKIE}=${kit.accessToken()}` });
    expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
      status: 401,
      challenge: expect.stringMatching(BARE_CHALLENGE),
    });
  });

  it('never reads the query string', async () => {
    const token = kit.accessToken();
    const res = await get(`${probe.app.url}/protected?access_token=${token}&token=${token}`);
    expect(res.status).toBe(401);
  });
});

describe.each(ADAPTERS)('a custom token extractor (%s)', (adapter) => {
  // Server-sent events from a browser's EventSource cannot send headers: the app accepts a
  // token in the query string on purpose, and keeps the built-in sources for everything else.
  const probe = probeApp(adapter, () => ({
    ...kit.moduleOptions(),
    tokenExtractor: (request: { query?: Record<string, unknown>; url?: string; headers?: Record<string, unknown> }) => {
      const fromQuery = new URL(request.url ?? '/', 'http://x').searchParams.get('access_token');
      return fromQuery ?? (request.headers?.['x-api-token'] as string | undefined) ?? tokenFromRequest(request);
    },
  }));

  it('reads what the extractor returns', async () => {
    const res = await get(`${probe.app.url}/protected?access_token=${kit.accessToken({ sub: 'from-query' })}`);
    expect({ status: res.status, sub: subOf(res) }).toEqual({ status: 200, sub: 'from-query' });
    const other = await get(`${probe.app.url}/protected`, { 'x-api-token': kit.accessToken({ sub: 'from-x-header' }) });
    expect(subOf(other)).toBe('from-x-header');
  });

  it('keeps the header through tokenFromRequest', async () => {
    const res = await get(`${probe.app.url}/protected`, {
      authorization: `Bearer ${kit.accessToken({ sub: 'from-header' })}`,
    });
    expect(subOf(res)).toBe('from-header');
  });

  it('refuses an invalid extracted token with 401 invalid_token', async () => {
    const expired = kit.accessToken({}, { expiresIn: -60 });
    expectInvalidTokenNotEchoed(await get(`${probe.app.url}/protected?access_token=${expired}`), expired);
  });

  it('answers 401 with a bare challenge when the extractor finds nothing', async () => {
    const res = await get(`${probe.app.url}/protected`);
    expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
      status: 401,
      challenge: expect.stringMatching(BARE_CHALLENGE),
    });
  });
});

describe.each(ADAPTERS)('a custom extractor that replaces the built-in sources (%s)', (adapter) => {
  const probe = probeApp(adapter, () => ({
    ...kit.moduleOptions(),
    tokenExtractor: (request: unknown) => tokenFromCookie(request, 'session'),
  }));

  it('reads only that cookie: the Authorization header is ignored', async () => {
    expect(
      subOf(await get(`${probe.app.url}/protected`, { cookie: `session=${kit.accessToken({ sub: 'only-cookie' })}` })),
    ).toBe('only-cookie');
    const res = await get(`${probe.app.url}/protected`, { authorization: `Bearer ${kit.accessToken()}` });
    expect(res.status).toBe(401);
  });
});

describe.each(ADAPTERS)('an extractor that throws (%s)', (adapter) => {
  const probe = probeApp(adapter, () => ({
    ...kit.moduleOptions(),
    tokenExtractor: () => {
      throw new Error('bug in the extractor');
    },
  }));

  it('refuses with 401, never 500, and a public route still answers', async () => {
    const res = await get(`${probe.app.url}/protected`, { authorization: `Bearer ${kit.accessToken()}` });
    expect(res.status).toBe(401);
    expect((await get(`${probe.app.url}/optional`)).json()).toEqual({ user: null });
    expect(probe.app.logs.text()).not.toContain('bug in the extractor');
  });
});

@Controller()
class PassportController {
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get('passport')
  passport(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub };
  }
}

describe.each(ADAPTERS)("AuthGuard('cognito-jwt') reads the same sources (%s)", (adapter) => {
  const app = useApp(() =>
    startApp(
      {
        imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenCookie: COOKIE, globalGuard: false })],
        controllers: [PassportController],
      },
      { adapter },
    ),
  );

  it('admits the cookie, and the header wins', async () => {
    expect(subOf(await get(`${app.url}/passport`, { cookie: `${COOKIE}=${kit.accessToken({ sub: 'cookie' })}` }))).toBe(
      'cookie',
    );
    const both = await get(`${app.url}/passport`, {
      authorization: `Bearer ${kit.accessToken({ sub: 'header' })}`,
      cookie: `${COOKIE}=${kit.accessToken({ sub: 'cookie' })}`,
    });
    expect(subOf(both)).toBe('header');
  });
});

describe.each(ADAPTERS)('the sample app with COGNITO_TOKEN_COOKIE (%s)', (adapter) => {
  const app = useApp(() => startSampleApp(kit, { adapter, env: { COGNITO_TOKEN_COOKIE: 'access_token' } }));
  const clients = new SocketClients();
  afterEach(() => clients.closeAll());

  it('reads the cookie on HTTP routes', async () => {
    const res = await get(`${app.url}/me/sub`, { cookie: `access_token=${kit.accessToken({ sub: 'sample-cookie' })}` });
    expect(res.json()).toEqual({ sub: 'sample-cookie' });
  });

  it('reads the cookie at the /events handshake', async () => {
    const socket = await clients.connect(`${app.url}/events`, {
      headers: { cookie: `access_token=${kit.accessToken({ sub: 'socket-cookie' })}` },
    });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'socket-cookie' } });
  });
});

describe('token source options are checked at start-up', () => {
  const base = () => kit.moduleOptions();

  it.each([
    ['an empty cookie name', { tokenCookie: '' }],
    ['a cookie name with a space', { tokenCookie: 'my cookie' }],
    ['a cookie name with =', { tokenCookie: 'a=b' }],
    ['a cookie name with ;', { tokenCookie: 'a;b' }],
    ['a cookie name that is not a string', { tokenCookie: 42 }],
    ['an extractor that is not a function', { tokenExtractor: 'header' }],
    ['both a cookie and an extractor', { tokenCookie: 'a', tokenExtractor: () => null }],
  ])('refuses %s', (_name, options) => {
    expect(() => resolveCognitoAuthConfig({ ...base(), ...(options as object) })).toThrow(CognitoAuthConfigError);
  });

  it.each([['id_token'], ['__Host-session'], ["a!#$%&'*+-.^_`|~z"]])('accepts the cookie name %s', (name) => {
    expect(resolveCognitoAuthConfig({ ...base(), tokenCookie: name }).tokenCookie).toBe(name);
  });
});
