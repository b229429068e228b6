import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  base64url,
  createCognitoTestKit,
  decodeJwtPart,
  type CognitoTestKit,
  type TestSigningKey,
} from 'nestjs-cognito-auth/testing';
import { nowSeconds } from './support/auth-e2e.js';
import { useKit } from './support/kit-app.js';

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET on a fresh connection (no keep-alive pool, no retries), so faults are seen as they are. */
function httpGet(url: string, timeoutMs = 5_000, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function fetchJwks(kit: CognitoTestKit): Promise<Array<Record<string, unknown>>> {
  const answer = await httpGet(kit.jwksUri);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { keys: Array<Record<string, unknown>> }).keys;
}

function parts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: decodeJwtPart(header!) as Record<string, unknown>,
    payload: decodeJwtPart(payload!) as Record<string, unknown>,
  };
}

function signatureIsValid(token: string, jwk: object): boolean {
  const [header, payload, signature] = token.split('.');
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature!, 'base64url'));
}

/** Verifies a token the way a relying party does: kid → key from the served JWKS → RS256. */
async function verifiesAgainstServedJwks(kit: CognitoTestKit, token: string): Promise<boolean> {
  const { header } = parts(token);
  const jwk = (await fetchJwks(kit)).find((key) => key.kid === header.kid);
  return jwk !== undefined && header.alg === 'RS256' && signatureIsValid(token, jwk);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The claims of a Cognito user access token and of an ID token, as the kit mints them by default. */
const ACCESS_TOKEN_CLAIMS =
  'sub iss client_id origin_jti event_id token_use scope auth_time exp iat jti username'.split(' ');
const ID_TOKEN_CLAIMS =
  'sub aud email_verified iss cognito:username origin_jti event_id token_use auth_time exp iat jti email'.split(' ');

describe('CognitoTestKit: issuer, JWKS and tokens', () => {
  const kit = useKit();

  it('serves the JWKS under a cognito-local style issuer on 127.0.0.1', () => {
    expect(kit.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/us-east-1_TestPool1$/);
    expect(kit.jwksUri).toBe(`${kit.issuer}/.well-known/jwks.json`);
    expect(kit.moduleOptions()).toEqual({
      region: 'us-east-1',
      userPoolId: 'us-east-1_TestPool1',
      clientId: 'test-client-id',
      issuer: kit.issuer,
      jwksUri: kit.jwksUri,
    });
  });

  it('serves each public key as { kid, alg, kty, e, n, use } JSON', async () => {
    const answer = await httpGet(kit.jwksUri);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const { keys } = JSON.parse(answer.body) as { keys: Array<Record<string, unknown>> };
    expect(keys).toEqual([kit.currentKey.publicJwk]);
    expect(Object.keys(keys[0]!)).toEqual(['kid', 'alg', 'kty', 'e', 'n', 'use']);
    expect(keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(keys[0]!.n as string, 'base64url').length).toBe(256); // RSA-2048
    expect(kit.jwks).toEqual({ keys });
  });

  it('answers 404 on any other path and 405 on other methods', async () => {
    expect((await httpGet(`${kit.issuer}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await httpGet(new URL('/', kit.issuer).href)).status).toBe(404);
    expect((await httpGet(kit.jwksUri, 5_000, 'POST')).status).toBe(405);
  });

  it('mints access, ID and machine tokens whose signature verifies against the served JWK', async () => {
    for (const token of [kit.accessToken(), kit.idToken(), kit.machineToken()]) {
      expect(token.split('.')).toHaveLength(3);
      expect(parts(token).header).toEqual({ kid: kit.currentKey.kid, alg: 'RS256' });
      expect(await verifiesAgainstServedJwks(kit, token)).toBe(true);
    }
  });

  it('detects tampering (sanity check of the verification helper)', async () => {
    const [header, , signature] = kit.accessToken().split('.');
    const forged = `${header}.${base64url(JSON.stringify({ sub: 'admin' }))}.${signature}`;
    expect(await verifiesAgainstServedJwks(kit, forged)).toBe(false);
  });

  it('gives access tokens the claims of a Cognito user access token', () => {
    const before = nowSeconds();
    const { payload } = parts(kit.accessToken());
    expect(Object.keys(payload).sort()).toEqual(ACCESS_TOKEN_CLAIMS.sort());
    expect(payload).toMatchObject({
      iss: kit.issuer,
      client_id: 'test-client-id',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: 'test-user',
    });
    for (const claim of ['sub', 'origin_jti', 'event_id', 'jti']) expect(payload[claim]).toMatch(UUID);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(nowSeconds());
    expect(payload.auth_time).toBe(payload.iat);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
  });

  it('gives ID tokens aud = client id, cognito:username and email', () => {
    const { payload } = parts(kit.idToken());
    expect(Object.keys(payload).sort()).toEqual(ID_TOKEN_CLAIMS.sort());
    expect(payload).toMatchObject({
      aud: 'test-client-id',
      iss: kit.issuer,
      token_use: 'id',
      'cognito:username': 'test-user',
      email: 'test-user@example.com',
      email_verified: true,
    });
    expect(payload.sub).toMatch(UUID);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
  });

  it('gives machine tokens client credentials claims: no username, no groups', () => {
    const { payload } = parts(kit.machineToken());
    expect(Object.keys(payload).sort()).toEqual(
      ['sub', 'token_use', 'scope', 'auth_time', 'iss', 'exp', 'iat', 'version', 'jti', 'client_id'].sort(),
    );
    expect(payload).toMatchObject({
      sub: 'test-client-id',
      client_id: 'test-client-id',
      token_use: 'access',
      scope: 'default-m2m-resource-server/read',
      version: 2,
    });
  });

  it('makes every token unique (fresh sub and jti)', () => {
    const [a, b] = [parts(kit.accessToken()).payload, parts(kit.accessToken()).payload];
    expect(a.jti).not.toBe(b.jti);
    expect(a.sub).not.toBe(b.sub);
  });

  it('merges claim overrides and removes claims set to undefined', () => {
    const { payload } = parts(
      kit.accessToken({
        'cognito:groups': ['admin'],
        scope: 'orders/read',
        username: 'alice',
        exp: undefined,
        jti: undefined,
      }),
    );
    expect(payload).toMatchObject({ 'cognito:groups': ['admin'], scope: 'orders/read', username: 'alice' });
    expect(payload).not.toHaveProperty('exp');
    expect(payload).not.toHaveProperty('jti');
    expect(parts(kit.idToken({ aud: undefined })).payload).not.toHaveProperty('aud');
  });

  it('sets exp from expiresIn, relative to iat (negative for expired tokens)', () => {
    expect(parts(kit.accessToken({}, { expiresIn: 60 })).payload).toMatchObject({ exp: expect.any(Number) });
    const short = parts(kit.accessToken({}, { expiresIn: 60 })).payload;
    expect(short.exp).toBe((short.iat as number) + 60);
    const expired = parts(kit.idToken({ iat: 1_000 }, { expiresIn: -10 })).payload;
    expect(expired.exp).toBe(990);
    expect(parts(kit.sign({ iat: 50 }, { expiresIn: 5 })).payload).toEqual({ iat: 50, exp: 55 });
    expect(() => kit.sign('raw', { expiresIn: 5 })).toThrow(TypeError);
  });

  it('merges header overrides, removes undefined fields, and still signs RS256', async () => {
    const withJku = kit.accessToken({}, { header: { jku: 'http://attacker.example/jwks', typ: 'JWT' } });
    expect(parts(withJku).header).toEqual({
      kid: kit.currentKey.kid,
      alg: 'RS256',
      jku: 'http://attacker.example/jwks',
      typ: 'JWT',
    });
    expect(await verifiesAgainstServedJwks(kit, withJku)).toBe(true);

    const noKid = kit.accessToken({}, { header: { kid: undefined } });
    expect(parts(noKid).header).toEqual({ alg: 'RS256' });

    const lyingAlg = kit.accessToken({}, { header: { alg: 'HS256' } });
    expect(parts(lyingAlg).header.alg).toBe('HS256');
    expect(signatureIsValid(lyingAlg, kit.currentKey.publicJwk)).toBe(true);
  });

  it('signs raw payloads as given: objects without defaults, strings verbatim, arrays as JSON', () => {
    expect(parts(kit.sign({ a: 1 })).payload).toEqual({ a: 1 });
    const raw = kit.sign('not json').split('.')[1]!;
    expect(Buffer.from(raw, 'base64url').toString()).toBe('not json');
    expect(() => decodeJwtPart(raw)).toThrow();
    expect(decodeJwtPart(kit.sign([1, 2]).split('.')[1]!)).toEqual([1, 2]);
    expect(Buffer.from(kit.sign(Buffer.from([0xff, 0x00])).split('.')[1]!, 'base64url')).toEqual(
      Buffer.from([0xff, 0x00]),
    );
  });

  it('signs with an unpublished key, whose kid goes in the header unless overridden', async () => {
    const attacker = kit.generateKey();
    expect(attacker.kid).not.toBe(kit.currentKey.kid);
    expect(kit.jwks.keys.map((key) => key.kid)).toEqual([kit.currentKey.kid]);

    const unknownKid = kit.accessToken({}, { key: attacker });
    expect(parts(unknownKid).header.kid).toBe(attacker.kid);
    expect(await verifiesAgainstServedJwks(kit, unknownKid)).toBe(false);
    expect(signatureIsValid(unknownKid, attacker.publicJwk)).toBe(true);

    const stolenKid = kit.accessToken({}, { key: attacker, header: { kid: kit.currentKey.kid } });
    expect(await verifiesAgainstServedJwks(kit, stolenKid)).toBe(false);
  });

  it('generates keys with a chosen kid and modulus length', () => {
    const key: TestSigningKey = kit.generateKey({ kid: 'my-kid', modulusLength: 1024 });
    expect(key.kid).toBe('my-kid');
    expect(key.publicJwk.kid).toBe('my-kid');
    expect(Buffer.from(key.publicJwk.n, 'base64url').length).toBe(128);
    expect(key.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('base64url encodes without padding', () => {
    expect(base64url('\xff\xfe')).toBe(Buffer.from('\xff\xfe').toString('base64url'));
    expect(base64url(Buffer.from([0xfb, 0xff]))).toBe('-_8');
  });
});

describe('CognitoTestKit: key rotation and publication', () => {
  const kit = useKit();

  it('rotateKey publishes the new key alongside the old one and makes it current', async () => {
    const oldKey = kit.currentKey;
    const oldToken = kit.accessToken();
    const newKey = kit.rotateKey();
    expect(kit.currentKey).toBe(newKey);
    expect((await fetchJwks(kit)).map((key) => key.kid)).toEqual([oldKey.kid, newKey.kid]);

    const newToken = kit.accessToken();
    expect(parts(newToken).header.kid).toBe(newKey.kid);
    expect(await verifiesAgainstServedJwks(kit, newToken)).toBe(true);
    expect(await verifiesAgainstServedJwks(kit, oldToken)).toBe(true);
  });

  it('rotateKey can be called repeatedly, even faster than the spare pool refills', () => {
    const kids = [kit.rotateKey().kid, kit.rotateKey().kid, kit.rotateKey({ kid: 'named' }).kid];
    expect(new Set(kids).size).toBe(3);
    expect(kit.jwks.keys.slice(-3).map((key) => key.kid)).toEqual(kids);
  });

  it('publishKeys sets exactly what the JWKS serves, raw JWKs included', async () => {
    const retired = kit.currentKey;
    const next = kit.generateKey();
    const ecKey = { kid: 'ec-1', kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB', alg: 'ES256', use: 'sig' };
    const encKey = { ...next.publicJwk, kid: 'enc-1', use: 'enc' };
    kit.publishKeys([next, ecKey, encKey]);
    expect(await fetchJwks(kit)).toEqual([next.publicJwk, ecKey, encKey]);
    expect(kit.currentKey).toBe(retired);
    expect(await verifiesAgainstServedJwks(kit, kit.accessToken())).toBe(false);
    expect(await verifiesAgainstServedJwks(kit, kit.accessToken({}, { key: next }))).toBe(true);

    kit.publishKeys([]);
    expect(await fetchJwks(kit)).toEqual([]);
  });

  it('jwks returns a copy that callers cannot use to change the served keys', async () => {
    kit.publishKeys([kit.currentKey]);
    const copy = kit.jwks;
    copy.keys.push({ kid: 'sneaky' });
    copy.keys[0]!.kid = 'changed';
    expect((await fetchJwks(kit)).map((key) => key.kid)).toEqual([kit.currentKey.kid]);
  });
});

describe('CognitoTestKit: JWKS fault injection and counters', () => {
  const kit = useKit();
  afterEach(() => {
    kit.setJwksBehaviour('ok');
    kit.resetCounters();
  });

  it('counts every request on the JWKS path, and only those', async () => {
    expect(kit.jwksRequestCount).toBe(0);
    await fetchJwks(kit);
    await fetchJwks(kit);
    await httpGet(`${kit.jwksUri}?x=1`);
    await httpGet(`${kit.issuer}/other`);
    expect(kit.jwksRequestCount).toBe(3);
    kit.resetCounters();
    expect(kit.jwksRequestCount).toBe(0);
  });

  it("'error-500' answers 500", async () => {
    expect((await httpGet(kit.jwksUri)).status).toBe(200);
    kit.setJwksBehaviour('error-500');
    const answer = await httpGet(kit.jwksUri);
    expect(answer.status).toBe(500);
    expect(kit.jwksRequestCount).toBe(2);
  });

  it("'garbage' answers 200 with a body that is not JSON", async () => {
    kit.setJwksBehaviour('garbage');
    const answer = await httpGet(kit.jwksUri);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(answer.body)).toThrow(SyntaxError);
  });

  it("'empty' serves an empty key set and 'ok' brings the keys back", async () => {
    kit.setJwksBehaviour('empty');
    const answer = await httpGet(kit.jwksUri);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ keys: [] });
    kit.setJwksBehaviour('ok');
    expect(await fetchJwks(kit)).toEqual([kit.currentKey.publicJwk]);
  });

  it("'hang' never answers (the client times out) but the request is counted", async () => {
    kit.setJwksBehaviour('hang');
    const started = performance.now();
    await expect(httpGet(kit.jwksUri, 300)).rejects.toThrow('client timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(kit.jwksRequestCount).toBe(1);
  });

  it("'reset' resets the connection without answering", async () => {
    kit.setJwksBehaviour('reset');
    await expect(httpGet(kit.jwksUri)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(kit.jwksRequestCount).toBe(1);
  });

  it('{ delayMs } answers normally after the delay', async () => {
    kit.setJwksBehaviour({ delayMs: 250 });
    const started = performance.now();
    const answer = await httpGet(kit.jwksUri);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ keys: [kit.currentKey.publicJwk] });
  });

  it('{ status, body, headers } answers exactly that', async () => {
    kit.setJwksBehaviour({ status: 503, body: '{"keys":"nope"}', headers: { 'retry-after': '1' } });
    const answer = await httpGet(kit.jwksUri);
    expect(answer).toMatchObject({ status: 503, body: '{"keys":"nope"}' });
    expect(answer.headers['retry-after']).toBe('1');
  });

  it('drops the connection rather than crash when a custom answer cannot be written', async () => {
    kit.setJwksBehaviour({ status: 200, headers: { 'x-bad': 'line\nbreak' } });
    await expect(httpGet(kit.jwksUri)).rejects.toMatchObject({ code: 'ECONNRESET' });
    kit.setJwksBehaviour('ok');
    expect((await httpGet(kit.jwksUri)).status).toBe(200);
  });

  it('uses real timers for delays, so fake timers only move the token clock', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    try {
      expect(parts(kit.accessToken()).payload.iat).toBe(Date.UTC(2030, 0, 1) / 1000);
      kit.setJwksBehaviour({ delayMs: 20 });
      expect((await httpGet(kit.jwksUri)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects unknown behaviours', () => {
    expect(() => kit.setJwksBehaviour({ status: 99 })).toThrow(TypeError);
    expect(() => kit.setJwksBehaviour('slow' as never)).toThrow(TypeError);
    expect(() => kit.setJwksBehaviour({ delayMs: -1 })).toThrow(TypeError);
    expect(() => kit.setJwksBehaviour({ delayMs: Number.NaN })).toThrow(TypeError);
  });
});

describe('CognitoTestKit: options and lifecycle', () => {
  const kits: CognitoTestKit[] = [];
  const track = async (kit: Promise<CognitoTestKit>) => {
    kits.push(await kit);
    return kits.at(-1)!;
  };
  afterEach(async () => {
    await Promise.all(kits.splice(0).map((kit) => kit.close()));
  });

  it('uses the given region, pool, client id and issuer override', async () => {
    const kit = await track(
      createCognitoTestKit({
        region: 'eu-west-1',
        userPoolId: 'eu-west-1_Other',
        clientId: 'other-client',
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other',
      }),
    );
    expect(kit.moduleOptions()).toEqual({
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_Other',
      clientId: 'other-client',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other',
      jwksUri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/eu-west-1_Other\/\.well-known\/jwks\.json$/),
    });
    expect(parts(kit.accessToken()).payload).toMatchObject({ iss: kit.issuer, client_id: 'other-client' });
    expect(await fetchJwks(kit)).toEqual([kit.currentKey.publicJwk]);
  });

  it('mints tokens that an independent verifier (aws-jwt-verify) accepts', async () => {
    const userPoolId = 'us-east-1_TestPool1';
    const kit = await track(
      createCognitoTestKit({ issuer: `https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}` }),
    );
    const jwks = { keys: await fetchJwks(kit) } as unknown as Parameters<
      ReturnType<typeof CognitoJwtVerifier.create>['cacheJwks']
    >[0];
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId, tokenUse: 'access', clientId: kit.clientId });
    const idVerifier = CognitoJwtVerifier.create({ userPoolId, tokenUse: 'id', clientId: kit.clientId });
    accessVerifier.cacheJwks(jwks);
    idVerifier.cacheJwks(jwks);

    await expect(accessVerifier.verify(kit.accessToken({ username: 'alice' }))).resolves.toMatchObject({
      username: 'alice',
    });
    await expect(accessVerifier.verify(kit.machineToken())).resolves.toMatchObject({ client_id: kit.clientId });
    await expect(idVerifier.verify(kit.idToken())).resolves.toMatchObject({ aud: kit.clientId });
    await expect(accessVerifier.verify(kit.accessToken({}, { expiresIn: -60 }))).rejects.toThrow(/expired/i);
    await expect(accessVerifier.verify(kit.accessToken({}, { key: kit.generateKey() }))).rejects.toThrow();
  });

  it('listens on loopback only', async () => {
    await expect(createCognitoTestKit({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(createCognitoTestKit({ host: '192.168.1.10' })).rejects.toThrow(/loopback/);
  });

  it('close() ends hung requests at once and refuses new connections', async () => {
    const kit = await track(createCognitoTestKit());
    kit.setJwksBehaviour('hang');
    const hung = httpGet(kit.jwksUri, 60_000).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    await expect.poll(() => kit.jwksRequestCount, { timeout: 2_000, interval: 10 }).toBe(1);

    const started = performance.now();
    await kit.close();
    expect(await hung).toBe('ECONNRESET');
    expect(performance.now() - started).toBeLessThan(1_000);
    await kit.close(); // idempotent
    await expect(httpGet(kit.jwksUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('close() cancels delayed answers', async () => {
    const kit = await track(createCognitoTestKit());
    kit.setJwksBehaviour({ delayMs: 30_000 });
    const delayed = httpGet(kit.jwksUri, 60_000).catch((error: NodeJS.ErrnoException) => error.code);
    await expect.poll(() => kit.jwksRequestCount, { timeout: 2_000, interval: 10 }).toBe(1);
    const started = performance.now();
    await kit.close();
    expect(await delayed).toBe('ECONNRESET');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('runs several kits side by side, each with its own keys', async () => {
    const [a, b] = await Promise.all([track(createCognitoTestKit()), track(createCognitoTestKit())]);
    expect(a.jwksUri).not.toBe(b.jwksUri);
    expect(a.currentKey.kid).not.toBe(b.currentKey.kid);
    expect(await verifiesAgainstServedJwks(b, a.accessToken())).toBe(false);
  });
});
