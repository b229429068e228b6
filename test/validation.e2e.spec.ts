/**
 * Every validation check, over real HTTP, against apps on 127.0.0.1 that verify real
 * RS256 tokens with keys fetched from the test kit's loopback JWKS. Each refusal asserts the
 * status and the exact `WWW-Authenticate` challenge.
 */
import { createHmac } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { type CognitoCustomCheckContext, CognitoAuthModule, InvalidTokenError } from 'nestjs-cognito-auth';
import { base64url, decodeJwtPart, type TestSigningKey } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeController } from './support/fixture-app.js';
import {
  DESCRIPTIONS as D,
  expectInvalidToken,
  nowSeconds,
  startModuleApp,
  startStubServer,
  type StubServer,
} from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { useApp, useAppsClosedAfterAll, useKit } from './support/kit-app.js';
import { type RunningApp, startApp, startSampleApp } from './support/test-app.js';

const kit = useKit();
/** Another fake pool: its tokens carry another issuer and are signed by another key. */
const otherKit = useKit({ userPoolId: 'us-east-1_OtherPool' });
/** Apps the tests start, closed after the suite. */
const apps = useAppsClosedAfterAll();
/** The sample app, configured for `kit` with the defaults (access tokens, 5 s tolerance). */
const sample = useApp(() => startSampleApp(kit));

/** Starts an app with forRoot({ ...kit.moduleOptions(), ...options }) serving /me and /me/sub. */
async function meApp(options: Parameters<typeof startModuleApp>[1], forKit = kit): Promise<RunningApp> {
  const app = await startModuleApp(forKit, options, [MeController]);
  apps.push(app);
  return app;
}

/** An unpublished key that names the published kid (generated once: key generation is slow). */
let impostor: TestSigningKey | undefined;
const impostorKey = () => (impostor ??= kit.generateKey({ kid: kit.currentKey.kid }));

const me = (app: RunningApp, token: string) => get(`${app.url}/me`, bearer(token));

function decode(token: string) {
  const [header, payload, signature] = token.split('.');
  return {
    header: decodeJwtPart(header!) as Record<string, unknown>,
    payload: decodeJwtPart(payload!) as Record<string, unknown>,
    signature: signature!,
  };
}

/** The same token with its payload re-encoded, the signature left as it was. */
function tamperPayload(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = { ...(decodeJwtPart(payload!) as object), ...change };
  return `${header}.${base64url(JSON.stringify(claims))}.${signature}`;
}

async function expectAccepted(app: RunningApp, token: string): Promise<Record<string, any>> {
  const res = await me(app, token);
  expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
    status: 200,
    challenge: undefined,
  });
  return res.json();
}

describe('structure: three base64url segments, header and payload JSON objects', () => {
  it('accepts a well-formed token (control)', async () => {
    await expectAccepted(sample, kit.accessToken());
  });

  it.each([
    ['one segment', () => 'abcdef'],
    ['two segments', () => kit.accessToken().split('.').slice(0, 2).join('.')],
    ['four segments', () => `${kit.accessToken()}.c2ln`],
    ['an empty signature segment', () => kit.accessToken().replace(/\.[^.]+$/, '.')],
    ['an empty payload segment', () => kit.accessToken().replace(/\.[^.]+\./, '..')],
    ['base64 padding (=)', () => `${kit.accessToken()}=`],
    ['standard base64 characters (+ and /)', () => kit.accessToken().replace(/\.[^.]{4}/, '.ab+/')],
    ['a dot-only token', () => '..'],
  ])('refuses %s', async (_name, token) => {
    expectInvalidToken(await me(sample, token()), D.segments);
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[{"alg":"RS256"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"RS256"'],
    ['a JSON number', '42'],
  ])('refuses a header that is %s', async (_name, header) => {
    const [, payload, signature] = kit.accessToken().split('.');
    expectInvalidToken(await me(sample, `${base64url(header)}.${payload}.${signature}`), D.headerNotObject);
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', JSON.stringify([{ sub: 'x' }])],
    ['JSON null', 'null'],
    ['a JSON string', '"payload"'],
    ['truncated JSON', '{"sub":"x"'],
  ])('refuses a (correctly signed) payload that is %s', async (_name, payload) => {
    expectInvalidToken(await me(sample, kit.sign(payload)), D.payloadNotObject);
  });
});

describe('algorithm allow-list', () => {
  it.each(['none', 'HS256', 'HS384', 'HS512', 'RS384', 'RS512', 'PS256', 'ES256', 'rs256', ''])(
    'refuses alg %j',
    async (alg) => {
      expectInvalidToken(await me(sample, kit.accessToken({}, { header: { alg } })), D.algorithm);
    },
  );

  it('refuses a token without alg', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({}, { header: { alg: undefined } })), D.algorithm);
  });

  it('refuses alg as a non-string (["RS256"])', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({}, { header: { alg: ['RS256'] } })), D.algorithm);
  });

  it('refuses an HS256 token MAC-ed with the public key (algorithm confusion)', async () => {
    const header = base64url(JSON.stringify({ alg: 'HS256', kid: kit.currentKey.kid, typ: 'JWT' }));
    const payload = kit.accessToken().split('.')[1];
    const secret = kit.currentKey.publicKey.export({ type: 'spki', format: 'pem' });
    const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    expectInvalidToken(await me(sample, `${header}.${payload}.${mac}`), D.algorithm);
  });

  it('refuses an unsigned alg "none" token (empty signature segment)', async () => {
    const header = base64url(JSON.stringify({ alg: 'none', kid: kit.currentKey.kid }));
    const payload = kit.accessToken().split('.')[1];
    // The empty third segment already fails the structure check.
    expectInvalidToken(await me(sample, `${header}.${payload}.`), D.segments);
  });
});

describe('kid', () => {
  it.each([
    ['missing', undefined],
    ['a number', 42],
    ['null', null],
    ['an empty string', ''],
    ['an array', ['some-kid']],
    ['longer than 256 characters', 'k'.repeat(257)],
  ])('refuses a kid that is %s', async (_name, kid) => {
    expectInvalidToken(await me(sample, kit.accessToken({}, { header: { kid } })), D.kid);
  });

  it('refuses a kid absent from the issuer key set with the unknown-key description', async () => {
    const stranger = kit.generateKey();
    expectInvalidToken(await me(sample, kit.accessToken({}, { key: stranger })), D.unknownKey);
  });

  it.each(['__proto__', 'constructor', 'toString', '../../etc/passwd', 'k\u0000'])(
    'refuses kid %j as unknown (no 500)',
    async (kid) => {
      expectInvalidToken(await me(sample, kit.accessToken({}, { header: { kid } })), D.unknownKey);
    },
  );

  it('accepts a published kid with +, / and = characters (Cognito kids are base64)', async () => {
    expect(kit.currentKey.kid).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    await expectAccepted(sample, kit.accessToken());
  });

  describe('jku, x5u, jwk and x5c are never used to find keys', () => {
    let trap: StubServer;
    beforeAll(async () => {
      trap = await startStubServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(otherKit.jwks));
      });
    });
    afterAll(async () => {
      await trap?.close();
    });

    it('refuses a token signed by a key it embeds or points to, and never requests the URLs', async () => {
      const attacker = otherKit.currentKey;
      const token = kit.accessToken(
        {},
        {
          key: attacker,
          header: {
            jku: `${trap.url}/jku.json`,
            x5u: `${trap.url}/x5u.pem`,
            jwk: attacker.publicJwk,
            x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
          },
        },
      );
      expectInvalidToken(await me(sample, token), D.unknownKey);
      expect(trap.requests).toEqual([]);
    });

    it('refuses a token whose embedded jwk carries the published kid but the key is not the published one', async () => {
      const attacker = impostorKey();
      const token = kit.accessToken({}, { key: attacker, header: { jwk: attacker.publicJwk, jku: `${trap.url}/k` } });
      expectInvalidToken(await me(sample, token), D.signature);
      expect(trap.requests).toEqual([]);
    });
  });
});

describe('crit header', () => {
  it.each([
    ['["exp"]', ['exp']],
    ['[] (empty)', []],
    ['["b64"]', ['b64']],
    ['a string', 'exp'],
  ])('refuses crit %s', async (_name, crit) => {
    expectInvalidToken(await me(sample, kit.accessToken({}, { header: { crit, exp: 1 } })), D.crit);
  });

  it('accepts other unknown header fields (typ, x-custom)', async () => {
    await expectAccepted(sample, kit.accessToken({}, { header: { typ: 'JWT', 'x-custom': 'y' } }));
  });
});

describe('signature: verified with the key from the configured issuer JWKS only', () => {
  it('refuses a token signed by an unpublished key that names a published kid', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({}, { key: impostorKey() })), D.signature);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = tamperPayload(kit.accessToken({ username: 'bob' }), {
      username: 'alice',
      'cognito:groups': ['admin'],
    });
    expectInvalidToken(await me(sample, token), D.signature);
  });

  it('refuses a token whose header was changed after signing', async () => {
    const [, payload, signature] = kit.accessToken().split('.');
    const header = base64url(JSON.stringify({ kid: kit.currentKey.kid, alg: 'RS256', typ: 'JWT' }));
    expectInvalidToken(await me(sample, `${header}.${payload}.${signature}`), D.signature);
  });

  it('refuses a token with a signature of another token', async () => {
    const [header, payload] = kit.accessToken({ username: 'alice' }).split('.');
    const [, , signature] = kit.accessToken({ username: 'bob' }).split('.');
    expectInvalidToken(await me(sample, `${header}.${payload}.${signature}`), D.signature);
  });

  describe('with several pools, a token key must come from that token pool', () => {
    let multi: RunningApp;
    beforeAll(async () => {
      multi = await startApp({
        imports: [CognitoAuthModule.forRoot({ userPools: [kit.moduleOptions(), otherKit.moduleOptions()] })],
        controllers: [MeController],
      });
      apps.push(multi);
    });

    it('accepts each pool token', async () => {
      expect((await expectAccepted(multi, kit.accessToken())).userPoolId).toBe(kit.userPoolId);
      expect((await expectAccepted(multi, otherKit.accessToken())).userPoolId).toBe(otherKit.userPoolId);
    });

    it('refuses a token of pool A signed with a key published by pool B', async () => {
      const token = kit.accessToken({}, { key: otherKit.currentKey });
      expectInvalidToken(await me(multi, token), D.unknownKey);
    });
  });
});

describe('issuer', () => {
  it('refuses a token of another pool (another issuer, its own valid signature)', async () => {
    otherKit.resetCounters();
    expectInvalidToken(await me(sample, otherKit.accessToken()), D.issuer);
    // The issuer is configured, never derived from the token: the other pool's JWKS is not fetched.
    expect(otherKit.jwksRequestCount).toBe(0);
  });

  it.each([
    ['with a trailing slash', () => `${kit.issuer}/`],
    ['in another case', () => kit.issuer.toUpperCase()],
    ['as a prefix', () => kit.issuer.slice(0, -1)],
    ['with a query', () => `${kit.issuer}?x=1`],
    [
      'of the real Cognito host for this pool id',
      () => `https://cognito-idp.us-east-1.amazonaws.com/${kit.userPoolId}`,
    ],
  ])('compares iss exactly: refuses the issuer %s', async (_name, iss) => {
    expectInvalidToken(await me(sample, kit.accessToken({ iss: iss() })), D.issuer);
  });

  it('refuses a token without iss', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ iss: undefined })), D.noClaim('iss'));
  });

  describe('default Cognito issuers (issuerFormat)', () => {
    const classic = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1';
    const updated = 'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1';
    let classicApp: RunningApp;
    let updatedApp: RunningApp;
    beforeAll(async () => {
      const options = { issuer: undefined, jwksUri: kit.jwksUri, userPoolId: 'us-east-1_TestPool1' };
      [classicApp, updatedApp] = await Promise.all([
        meApp(options),
        meApp({ ...options, issuerFormat: 'issuer-cognito-idp' }),
      ]);
    });

    it('accepts https://cognito-idp.{region}.amazonaws.com/{pool} by default, not the updated form', async () => {
      expect((await expectAccepted(classicApp, kit.accessToken({ iss: classic }))).issuer).toBe(classic);
      expectInvalidToken(await me(classicApp, kit.accessToken({ iss: updated })), D.issuer);
    });

    it('accepts https://issuer-cognito-idp.{region}.amazonaws.com/{pool} with issuerFormat, not the classic form', async () => {
      expect((await expectAccepted(updatedApp, kit.accessToken({ iss: updated }))).issuer).toBe(updated);
      expectInvalidToken(await me(updatedApp, kit.accessToken({ iss: classic })), D.issuer);
    });
  });
});

describe('token_use', () => {
  let idApp: RunningApp;
  let anyApp: RunningApp;
  beforeAll(async () => {
    [idApp, anyApp] = await Promise.all([meApp({ tokenUse: 'id' }), meApp({ tokenUse: 'any' })]);
  });

  it('accepts access tokens by default', async () => {
    expect((await expectAccepted(sample, kit.accessToken())).tokenUse).toBe('access');
  });

  it('refuses an ID token by default', async () => {
    expectInvalidToken(await me(sample, kit.idToken()), D.tokenUse('access'));
  });

  it.each([['refresh'], ['ID'], ['Access']])('refuses token_use %j by default', async (tokenUse) => {
    expectInvalidToken(await me(sample, kit.accessToken({ token_use: tokenUse })), D.tokenUse('access'));
  });

  it('refuses a token without token_use', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ token_use: undefined })), D.noClaim('token_use'));
  });

  it("accepts an ID token and refuses an access token with tokenUse 'id'", async () => {
    const user = await expectAccepted(idApp, kit.idToken());
    expect(user).toMatchObject({ tokenUse: 'id', clientId: kit.clientId, username: 'test-user' });
    expectInvalidToken(await me(idApp, kit.accessToken()), D.tokenUse('id'));
    expectInvalidToken(await me(idApp, kit.machineToken()), D.tokenUse('id'));
  });

  it("accepts both kinds with tokenUse 'any', and nothing else", async () => {
    expect((await expectAccepted(anyApp, kit.idToken())).tokenUse).toBe('id');
    expect((await expectAccepted(anyApp, kit.accessToken())).tokenUse).toBe('access');
    expectInvalidToken(await me(anyApp, kit.accessToken({ token_use: 'refresh' })), D.tokenUse('access or id'));
  });
});

describe('access token client_id / aud', () => {
  const resource = 'https://api.example.com/orders';
  let app: RunningApp;
  beforeAll(async () => {
    app = await meApp({ clientIds: ['second-client'], resourceAudiences: [resource] });
  });

  it('accepts an access token without aud (Cognito default)', async () => {
    expect((await expectAccepted(sample, kit.accessToken())).clientId).toBe(kit.clientId);
  });

  it('refuses an access token with the client_id of another client', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ client_id: 'another-client' })), D.clientId);
  });

  it('refuses an access token without client_id, even with aud equal to the client id', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ client_id: undefined, aud: kit.clientId })), D.clientId);
  });

  it('accepts an access token with aud equal to its client id (pre-token-generation trigger)', async () => {
    await expectAccepted(sample, kit.accessToken({ aud: kit.clientId }));
  });

  it('refuses an access token with any other aud', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ aud: 'https://elsewhere.example.com' })), D.accessAudience);
    expectInvalidToken(await me(sample, kit.accessToken({ aud: [resource] })), D.accessAudience);
  });

  it('accepts every configured client id (clientId + clientIds) and no other', async () => {
    expect((await expectAccepted(app, kit.accessToken())).clientId).toBe(kit.clientId);
    expect((await expectAccepted(app, kit.accessToken({ client_id: 'second-client' }))).clientId).toBe('second-client');
    expectInvalidToken(await me(app, kit.accessToken({ client_id: 'third-client' })), D.clientId);
  });

  it('accepts aud equal to a configured resource audience', async () => {
    await expectAccepted(app, kit.accessToken({ aud: resource }));
    await expectAccepted(app, kit.accessToken({ aud: [resource] }));
  });

  it('refuses an aud that is neither a client id nor a resource audience', async () => {
    expectInvalidToken(await me(app, kit.accessToken({ aud: `${resource}/other` })), D.accessAudience);
    expectInvalidToken(await me(app, kit.accessToken({ aud: 'third-client' })), D.accessAudience);
  });
});

describe('ID token aud', () => {
  let idApp: RunningApp;
  beforeAll(async () => {
    idApp = await meApp({
      tokenUse: 'id',
      clientIds: ['second-client'],
      resourceAudiences: ['https://api.example.com'],
    });
  });

  it('accepts aud equal to a configured client id (string or array)', async () => {
    await expectAccepted(idApp, kit.idToken());
    expect((await expectAccepted(idApp, kit.idToken({ aud: 'second-client' }))).clientId).toBe('second-client');
    await expectAccepted(idApp, kit.idToken({ aud: [kit.clientId] }));
  });

  it('refuses an ID token for another client', async () => {
    expectInvalidToken(await me(idApp, kit.idToken({ aud: 'another-client' })), D.idAudience);
  });

  it('refuses an ID token whose aud is a resource audience (only client ids count)', async () => {
    expectInvalidToken(await me(idApp, kit.idToken({ aud: 'https://api.example.com' })), D.idAudience);
  });

  it('refuses an ID token without aud, even with a valid client_id', async () => {
    expectInvalidToken(await me(idApp, kit.idToken({ aud: undefined, client_id: kit.clientId })), D.idAudience);
  });
});

describe('exp/nbf and clock tolerance', () => {
  /** clockTolerance: 60 */
  let tolerant: RunningApp;
  beforeAll(async () => {
    tolerant = await meApp({ clockTolerance: 60 });
  });

  it('refuses a token without exp', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ exp: undefined })), D.noClaim('exp'));
  });

  it('refuses exp given as a string', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ exp: String(nowSeconds() + 3600) })), D.wrongType('exp'));
  });

  it('refuses a token expired beyond the default tolerance (5 s)', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ exp: nowSeconds() - 30 })), D.expired);
  });

  it('accepts a token expired within the default tolerance', async () => {
    await expectAccepted(sample, kit.accessToken({ exp: nowSeconds() - 1 }));
  });

  it('accepts a token expired within a configured tolerance (60 s) and refuses one beyond it', async () => {
    await expectAccepted(tolerant, kit.accessToken({ exp: nowSeconds() - 30 }));
    expectInvalidToken(await me(tolerant, kit.accessToken({ exp: nowSeconds() - 120 })), D.expired);
  });

  it('refuses a token whose nbf is in the future beyond the tolerance', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ nbf: nowSeconds() + 120 })), D.notYetValid);
    expectInvalidToken(await me(tolerant, kit.accessToken({ nbf: nowSeconds() + 300 })), D.notYetValid);
  });

  it('accepts a token whose nbf is in the future within the tolerance', async () => {
    await expectAccepted(sample, kit.accessToken({ nbf: nowSeconds() + 2 }));
    await expectAccepted(tolerant, kit.accessToken({ nbf: nowSeconds() + 30 }));
  });

  it('accepts a token whose nbf is in the past', async () => {
    await expectAccepted(sample, kit.accessToken({ nbf: nowSeconds() - 600 }));
  });

  it('refuses nbf given as a string', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ nbf: String(nowSeconds()) })), D.wrongType('nbf'));
  });

  it('re-checks exp on every request, also for a token accepted before', async () => {
    const strict = await meApp({ clockTolerance: 0 });
    const exp = Math.ceil(Date.now() / 1000 + 0.3); // at least 300 ms to be accepted first
    const token = kit.accessToken({ exp });
    await expectAccepted(strict, token);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expectInvalidToken(await me(strict, token), D.expired);
  });
});

describe('claim types', () => {
  it.each([
    ['iss', 42],
    ['sub', 42],
    ['sub', null],
    ['token_use', ['access']],
    ['exp', '9999999999'],
    ['exp', null],
    ['iat', '1700000000'],
    ['auth_time', 'yesterday'],
    ['nbf', true],
    ['client_id', ['test-client-id']],
    ['aud', 42],
    ['aud', []],
    ['aud', ['test-client-id', 7]],
    ['username', 42],
    ['cognito:username', { name: 'x' }],
    ['cognito:groups', 'admin'],
    ['cognito:groups', ['admin', 7]],
    ['cognito:groups', { 0: 'admin' }],
    ['scope', ['orders/read']],
  ])('refuses %s = %j (wrong JSON type)', async (claim, value) => {
    expectInvalidToken(await me(sample, kit.accessToken({ [claim]: value })), D.wrongType(claim));
  });

  it('refuses a token without sub', async () => {
    expectInvalidToken(await me(sample, kit.accessToken({ sub: undefined })), D.noClaim('sub'));
  });

  it('accepts cognito:groups as an array of strings', async () => {
    expect((await expectAccepted(sample, kit.accessToken({ 'cognito:groups': ['admin', 'ops'] }))).groups).toEqual([
      'admin',
      'ops',
    ]);
  });

  it('accepts unknown extra claims of any type and keeps them', async () => {
    const extra = {
      'custom:tenant': 'acme',
      new_claim_2030: { nested: [1, 'two', null] },
      version: 2,
      'cognito:roles': ['arn:aws:iam::123:role/x'],
      amr: null,
    };
    const user = await expectAccepted(sample, kit.accessToken(extra));
    expect(user).toMatchObject(extra);
    expect(user.claims).toMatchObject(extra);
  });

  it('accepts a machine-to-machine token (no username, no groups); /me shows username null', async () => {
    const token = kit.machineToken();
    const user = await expectAccepted(sample, token);
    expect(user).toMatchObject({
      sub: kit.clientId,
      username: null,
      clientId: kit.clientId,
      tokenUse: 'access',
      groups: [],
      scopes: ['default-m2m-resource-server/read'],
    });
    const sub = await get(`${sample.url}/me/sub`, bearer(token));
    expect({ status: sub.status, body: sub.json() }).toEqual({ status: 200, body: { sub: kit.clientId } });
  });
});

describe('maximum token length', () => {
  /** Valid tokens whose length grows with `pad` only (every other claim has a fixed length). */
  const padded = (pad: number) => kit.accessToken({ pad: 'x'.repeat(pad), jti: 'fixed-jti' });
  let limit: number;
  let limited: RunningApp;
  beforeAll(async () => {
    limit = padded(30).length;
    limited = await meApp({ maxTokenLength: limit });
  });

  it('accepts a valid token exactly as long as the maximum', async () => {
    const token = padded(30);
    expect(token.length).toBe(limit);
    await expectAccepted(limited, token);
  });

  it('refuses a valid token longer than the maximum', async () => {
    const token = padded(31);
    expect(token.length).toBeGreaterThan(limit);
    expectInvalidToken(await me(limited, token), D.tooLong(limit));
  });

  it('refuses an over-long token without parsing it (junk gets the length description, not the structure one)', async () => {
    expectInvalidToken(await me(limited, '!'.repeat(limit + 1)), D.tooLong(limit));
    expectInvalidToken(await me(limited, '!'.repeat(limit)), D.segments);
  });

  it('defaults to 16384 characters: a valid token over 10 000 characters is accepted by the sample app', async () => {
    const token = kit.accessToken({ pad: 'x'.repeat(7_500) });
    expect(token.length).toBeGreaterThan(10_000);
    await expectAccepted(sample, token);
  });
});

describe('custom check hook', () => {
  const calls: CognitoCustomCheckContext[] = [];
  let app: RunningApp;
  beforeAll(async () => {
    app = await meApp({
      customCheck: async ({ header, payload, user }) => {
        calls.push({ header, payload, user });
        await Promise.resolve();
        switch (payload['custom:mode']) {
          case 'throw':
            throw new Error('internal detail: tenant 42 is suspended');
          case 'reject':
            return Promise.reject(new TypeError('async failure'));
          case 'invalid':
            throw new InvalidTokenError('custom_check', 'The tenant is suspended');
          case 'unsafe':
            throw new InvalidTokenError('custom_check', 'Tenant "acme"\r\nSet-Cookie: x=1 \\ é');
          case 'forbidden':
            throw new ForbiddenException('Tenant not allowed here');
        }
      },
    });
  });

  it('runs after the built-in checks with the header, payload and user, and lets a passing token through', async () => {
    const token = kit.accessToken({ username: 'alice', 'custom:mode': 'ok' });
    const before = calls.length;
    await expectAccepted(app, token);
    expect(calls.length).toBe(before + 1);
    const call = calls.at(-1)!;
    expect(call.header).toMatchObject({ alg: 'RS256', kid: kit.currentKey.kid });
    expect(call.payload).toEqual(decode(token).payload);
    expect(call.user).toMatchObject({ username: 'alice', tokenUse: 'access', clientId: kit.clientId });
  });

  it('refuses with the generic custom-check description when the hook throws, without leaking its message', async () => {
    const res = await me(app, kit.accessToken({ 'custom:mode': 'throw' }));
    expectInvalidToken(res, D.customCheck);
    expect(res.body).not.toContain('tenant 42');
  });

  it('refuses when an async hook rejects', async () => {
    expectInvalidToken(await me(app, kit.accessToken({ 'custom:mode': 'reject' })), D.customCheck);
  });

  it('uses the description of an InvalidTokenError thrown by the hook', async () => {
    expectInvalidToken(await me(app, kit.accessToken({ 'custom:mode': 'invalid' })), 'The tenant is suspended');
  });

  it('keeps the header well formed when the hook description has quotes, CR LF, backslashes or non-ASCII', async () => {
    const res = await me(app, kit.accessToken({ 'custom:mode': 'unsafe' }));
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*"$/,
    );
    expect(res.headers['www-authenticate']).toContain('acme');
  });

  it('answers an HttpException thrown by the hook as is', async () => {
    const res = await me(app, kit.accessToken({ 'custom:mode': 'forbidden' }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json()).toEqual({ statusCode: 403, message: 'Tenant not allowed here', error: 'Forbidden' });
  });

  it('is not called for a token that fails a built-in check', async () => {
    const before = calls.length;
    expectInvalidToken(await me(app, kit.accessToken({ exp: nowSeconds() - 600, 'custom:mode': 'ok' })), D.expired);
    expectInvalidToken(await me(app, kit.accessToken({ client_id: 'x', 'custom:mode': 'ok' })), D.clientId);
    expectInvalidToken(await me(app, kit.accessToken({ 'custom:mode': 'ok' }, { key: impostorKey() })), D.signature);
    expect(calls.length).toBe(before);
  });
});
