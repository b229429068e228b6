/**
 * Every row of the README's Errors table and its bullet points, on the sample app, under
 * both HTTP adapters. Status, `WWW-Authenticate` (exact), other headers and Nest's JSON body.
 */
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { base64url, createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSampleApp } from './support/kit-app.js';
import { MeController, OptionalController } from './support/fixture-app.js';
import {
  closedLoopbackPort,
  DESCRIPTIONS as D,
  expectBareChallenge,
  expectInvalidToken,
  nowSeconds,
  startStubServer,
  type StubServer,
} from './support/auth-e2e.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

/** A pool whose key set answers 500 from the start: nothing is ever cached. */
let downKit: CognitoTestKit;
/** Answers nothing, ever (a hung key set). */
let hungJwks: StubServer;

beforeAll(async () => {
  [downKit, hungJwks] = await Promise.all([createCognitoTestKit(), startStubServer(() => undefined)]);
  downKit.setJwksBehaviour('error-500');
});

afterAll(async () => {
  await hungJwks?.close();
  await downKit?.close();
});

/** Status and the headers the table speaks about. */
const summary = (res: HttpResult) => ({
  status: res.status,
  wwwAuthenticate: res.headers['www-authenticate'],
});

describe.each(ADAPTERS)('responses (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  /** Every token sent in this block, and every response, to check that none is echoed or logged. */
  const sentTokens = new Set<string>();
  const responses: HttpResult[] = [];
  /** The apps whose key set is unreachable (their logs are checked too). */
  const down: RunningApp[] = [];

  const call = async (path: string, headers: Record<string, string | string[]> = {}) => {
    const res = await get(`${app.url}${path}`, headers);
    responses.push(res);
    return res;
  };
  const withToken = (path: string, token: string, scheme = 'Bearer') => {
    sentTokens.add(token);
    return call(path, { authorization: `${scheme} ${token}` });
  };

  /** Signed by an unpublished key that names the published kid (generated once: key generation is slow). */
  let forged: string | undefined;
  const forgedToken = () => (forged ??= kit.accessToken({}, { key: kit.generateKey({ kid: kit.currentKey.kid }) }));

  describe('protected route, no credentials → 401, WWW-Authenticate: Bearer (no error)', () => {
    it.each([
      ['no Authorization header', {}],
      ['another scheme (Basic)', { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` }],
      ['another scheme (Token)', { authorization: 'Token abc.def.ghi' }],
      ['an empty Authorization header', { authorization: '' }],
      ['an empty Bearer', { authorization: 'Bearer' }],
      ['Bearer and spaces only', { authorization: 'Bearer   ' }],
    ])('%s', async (_name, headers) => {
      expectBareChallenge(await call('/me', headers));
    });

    it('applies to every protected route (/me/sub, /admin, /orders)', async () => {
      for (const path of ['/me/sub', '/admin', '/orders']) expectBareChallenge(await call(path));
    });

    it('does not read a token from the query string', async () => {
      const token = kit.accessToken();
      sentTokens.add(token);
      expectBareChallenge(await call(`/me?access_token=${token}`));
      expectBareChallenge(await call(`/me?token=${token}&authorization=Bearer%20${token}`));
    });
  });

  describe('token present but invalid → 401, Bearer error="invalid_token", error_description', () => {
    it.each([
      ['junk', () => 'not-a-jwt', D.segments],
      ['an expired token', () => kit.accessToken({ exp: nowSeconds() - 3600 }), D.expired],
      ['an ID token', () => kit.idToken(), D.tokenUse('access')],
      ['a token for another client', () => kit.accessToken({ client_id: 'other' }), D.clientId],
      ['a token of another issuer', () => kit.accessToken({ iss: 'https://evil.example.com/pool' }), D.issuer],
      ['an HS256 token', () => kit.accessToken({}, { header: { alg: 'HS256' } }), D.algorithm],
      ['a forged signature', () => forgedToken(), D.signature],
      ['an unknown kid', () => kit.accessToken({}, { header: { kid: 'no-such-kid' } }), D.unknownKey],
    ])('%s', async (_name, token, description) => {
      expectInvalidToken(await withToken('/me', token()), description);
    });

    it('also on routes with @Groups / @Scopes (authentication comes first)', async () => {
      const expired = kit.accessToken({ exp: nowSeconds() - 3600, 'cognito:groups': ['admin'], scope: 'orders/read' });
      expectInvalidToken(await withToken('/admin', expired), D.expired);
      expectInvalidToken(await withToken('/orders', expired), D.expired);
    });

    it.each([
      ['a single space-separated junk word', 'a b'],
      ['control characters', 'a\tb.c.d'],
      ['very long junk (10 000 characters)', 'x'.repeat(10_000)],
      ['non-ASCII bytes (latin1)', 'tök\u00e9n.\u00ff.x'],
      ['a JSON header with a prototype key', `${base64url('{"__proto__":{"alg":"RS256"}}')}.e30.c2ln`],
    ])('never answers 500 for %s', async (_name, token) => {
      const res = await withToken('/me', token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"\\]*"$/);
    });
  });

  describe('malformed request (two Authorization headers) → 400 invalid_request', () => {
    it('refuses two Authorization headers, even if both carry the same valid token', async () => {
      const token = kit.accessToken();
      sentTokens.add(token);
      const res = await call('/me', { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
      expect(summary(res)).toEqual({
        status: 400,
        wwwAuthenticate:
          'Bearer error="invalid_request", error_description="The request has more than one Authorization header"',
      });
      expect(res.json()).toEqual({
        statusCode: 400,
        message: 'The request has more than one Authorization header',
        error: 'Bad Request',
      });
    });

    it('refuses a valid token followed by another scheme', async () => {
      const token = kit.accessToken();
      sentTokens.add(token);
      const res = await call('/me', { authorization: [`Bearer ${token}`, 'Basic YTpi'] });
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
    });
  });

  describe('valid token, not in a required group → 403, no WWW-Authenticate', () => {
    it.each([
      ['no groups', {}],
      ['other groups', { 'cognito:groups': ['users', 'Admin'] }],
      ['an empty group list', { 'cognito:groups': [] }],
    ])('refuses a user with %s on /admin', async (_name, claims) => {
      const res = await withToken('/admin', kit.accessToken(claims));
      expect(summary(res)).toEqual({ status: 403, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({
        statusCode: 403,
        message: 'The user is not in a group allowed here',
        error: 'Forbidden',
      });
    });

    it('refuses a machine-to-machine token (no groups)', async () => {
      const res = await withToken('/admin', kit.machineToken());
      expect(summary(res)).toEqual({ status: 403, wwwAuthenticate: undefined });
    });

    it('lets a member of the group in (control)', async () => {
      const res = await withToken('/admin', kit.accessToken({ 'cognito:groups': ['users', 'admin'] }));
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({ ok: true });
    });
  });

  describe('valid token, missing a required scope → 403, Bearer error="insufficient_scope", scope', () => {
    it.each([
      ['the default user scope only', { scope: 'aws.cognito.signin.user.admin' }],
      ['no scope at all', { scope: undefined }],
      ['a similar scope', { scope: 'orders/write orders/read-all orders' }],
    ])('refuses a token with %s on /orders', async (_name, claims) => {
      const res = await withToken('/orders', kit.accessToken(claims));
      expect(summary(res)).toEqual({
        status: 403,
        wwwAuthenticate: 'Bearer error="insufficient_scope", scope="orders/read"',
      });
      expect(res.json()).toEqual({
        statusCode: 403,
        message: 'This route requires the scopes: orders/read',
        error: 'Forbidden',
      });
    });

    it('lets a token with the scope in (control)', async () => {
      const res = await withToken('/orders', kit.accessToken({ scope: 'openid orders/read' }));
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({ ok: true });
    });
  });

  describe('key set unreachable and no cached key → 503 with Retry-After, never let through', () => {
    let failing: RunningApp;
    let closedPort: RunningApp;
    let hung: RunningApp;
    beforeAll(async () => {
      const port = await closedLoopbackPort();
      [failing, closedPort, hung] = await Promise.all([
        startSampleApp(downKit, { adapter }),
        startSampleApp(kit, { adapter, env: { COGNITO_JWKS_URI: `http://127.0.0.1:${port}/.well-known/jwks.json` } }),
        startApp(
          {
            imports: [
              CognitoAuthModule.forRoot({
                ...kit.moduleOptions(),
                jwksUri: `${hungJwks.url}/jwks.json`,
                jwksTimeoutMs: 300,
              }),
            ],
            controllers: [MeController, OptionalController],
          },
          { adapter },
        ),
      ]);
      down.push(failing, closedPort, hung);
    });
    afterAll(async () => {
      await Promise.all(down.map((running) => running.close()));
    });

    const expectUnavailable = (res: HttpResult) => {
      expect(summary(res)).toEqual({ status: 503, wwwAuthenticate: undefined });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(String(res.headers['retry-after'])).toMatch(/^\d+$/);
      expect(res.json()).toEqual({
        statusCode: 503,
        message: 'Token verification is temporarily unavailable',
        error: 'Service Unavailable',
      });
    };

    it('answers 503 when the key set endpoint answers 500 (first request, then again)', async () => {
      const token = downKit.accessToken({ 'cognito:groups': ['admin'], scope: 'orders/read' });
      sentTokens.add(token);
      const first = await get(`${failing.url}/me`, bearer(token));
      responses.push(first);
      expectUnavailable(first);
      for (const path of ['/me', '/admin', '/orders', '/me/sub']) {
        const res = await get(`${failing.url}${path}`, bearer(token));
        responses.push(res);
        expectUnavailable(res);
      }
      expect(downKit.jwksRequestCount).toBeGreaterThanOrEqual(1);
    });

    it('answers 503 when the key set endpoint refuses connections', async () => {
      const token = kit.accessToken();
      sentTokens.add(token);
      const res = await get(`${closedPort.url}/me`, bearer(token));
      responses.push(res);
      expectUnavailable(res);
    });

    it('answers 503 once the key set download times out (jwksTimeoutMs)', async () => {
      const started = Date.now();
      const res = await get(`${hung.url}/me`, bearer(kit.accessToken()));
      expectUnavailable(res);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(hungJwks.requests.length).toBeGreaterThanOrEqual(1);
    });

    it('still answers a bare 401 without a token and invalid_token for a token refused before any key is needed', async () => {
      expectBareChallenge(await get(`${failing.url}/me`));
      expectInvalidToken(await get(`${failing.url}/me`, bearer(downKit.idToken())), D.tokenUse('access'));
    });

    it('serves a @Public() route with user null instead', async () => {
      const res = await get(`${failing.url}/optional`, bearer(downKit.accessToken()));
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({ user: null });
    });
  });

  describe('@Public() route, no token or an invalid token → 200, user null', () => {
    it.each([
      ['no token', {}],
      ['an invalid token', { authorization: 'Bearer not-a-jwt' }],
      ['an expired token', () => bearer(kit.accessToken({ exp: nowSeconds() - 3600 }))],
      ['a forged token', () => bearer(forgedToken())],
      ['another scheme', { authorization: 'Basic YTpi' }],
    ])('GET /optional with %s', async (_name, headers) => {
      const res = await call('/optional', typeof headers === 'function' ? headers() : headers);
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({ user: null });
    });

    it('GET /health needs nothing', async () => {
      const res = await call('/health', { authorization: 'Bearer junk' });
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json()).toEqual({ status: 'ok' });
    });
  });

  describe('@Public() route, valid token → 200, user populated (optional auth)', () => {
    it('GET /optional with a valid access token', async () => {
      const res = await withToken('/optional', kit.accessToken({ username: 'alice', 'cognito:groups': ['admin'] }));
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json().user).toMatchObject({
        username: 'alice',
        groups: ['admin'],
        tokenUse: 'access',
        clientId: kit.clientId,
        userPoolId: kit.userPoolId,
      });
    });

    it('GET /optional with a machine token', async () => {
      const res = await withToken('/optional', kit.machineToken());
      expect(res.status).toBe(200);
      expect(res.json().user).toMatchObject({ username: null, sub: kit.clientId });
    });
  });

  describe('the scheme name is case-insensitive', () => {
    it.each(['bearer', 'BEARER', 'BeArEr'])('accepts "%s <token>"', async (scheme) => {
      const res = await withToken('/me', kit.accessToken({ username: 'carol' }), scheme);
      expect(summary(res)).toEqual({ status: 200, wwwAuthenticate: undefined });
      expect(res.json().username).toBe('carol');
    });
  });

  describe('unknown routes keep Nest 404', () => {
    it.each([
      ['without a token', () => ({})],
      ['with a valid token', () => bearer(kit.accessToken())],
      ['with an invalid token', () => bearer('junk')],
    ])('GET /no-such-route %s', async (_name, headers) => {
      const res = await call('/no-such-route', headers());
      expect(summary(res)).toEqual({ status: 404, wwwAuthenticate: undefined });
      expect(res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('never leaks the token', () => {
    it('no response body or header contains a token that was sent, or its signature', () => {
      expect(responses.length).toBeGreaterThan(20);
      for (const res of responses) {
        const text = `${res.body}\n${JSON.stringify(res.headers)}`;
        for (const token of sentTokens) {
          const signature = token.split('.')[2];
          expect(text).not.toContain(token);
          if (signature && signature.length > 20) expect(text).not.toContain(signature);
        }
      }
    });

    it('no log line contains a token that was sent', () => {
      expect(down.length).toBe(3);
      const logs = [app, ...down].map((running) => running.logs.text()).join('\n');
      for (const token of sentTokens) {
        for (const part of token.split('.').filter((segment) => segment.length > 20)) expect(logs).not.toContain(part);
      }
    });
  });
});
