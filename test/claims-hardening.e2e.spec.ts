/**
 * What a validly signed token can make of the user, and which keys may sign at all: claims never
 * reshape the user object or override a derived field, an ID token's clientId is the configured
 * client its aud matched, Cognito's documented claims are type-checked, and the key set only
 * yields RSA keys of 2048 to 8192 bits with an odd exponent of at least 3, read from a body of
 * sane size. Real apps on 127.0.0.1, the kit's real JWKS server, real HTTP.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Controller, Get } from '@nestjs/common';
import { type CognitoAuthOptions, type CognitoUser, CurrentUser, Groups } from 'nestjs-cognito-auth';
import { base64url, decodeJwtPart, type CognitoTestKit, type TestSigningKey } from 'nestjs-cognito-auth/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { startModuleApp, startStubServer, type StubServer } from './support/auth-e2e.js';
import { useModuleApp, usePerTestKitApp, useSampleApp } from './support/kit-app.js';
import { postQuery } from './support/graphql-app.js';
import { expectInvalidTokenNotEchoed, expectKeySetUnavailable, sleep } from './support/hostile.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';
import { exponentOneKey, multiPrimeKey, tokenWith, type UnsafeKey } from './support/unsafe-keys.js';

// ---------------------------------------------------------------------------------------------
// Hand-written payloads: JSON text, so that keys like "__proto__" really are in the token

/** The JSON text of the payload a kit token with these claims would carry. */
function payloadJson(token: string): string {
  return JSON.stringify(decodeJwtPart(token.split('.')[1]!));
}

/** `json` (an object's text) with `members` (raw JSON text, e.g. `"a":1`) added at the end. */
function withMembers(json: string, members: string): string {
  return `${json.slice(0, -1)},${members}}`;
}

/** Signs raw payload text with the kit's current key, and checks the text went in verbatim. */
function signText(kit: CognitoTestKit, json: string): string {
  const token = kit.sign(json);
  expect(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).toBe(json);
  return token;
}

/** Where the user object came from and what it inherits, in a form two users can be compared by. */
/** alice's access token, signed by the kit, with raw JSON members added to its payload. */
function aliceWith(kit: CognitoTestKit, members: string): string {
  return signText(kit, withMembers(payloadJson(kit.accessToken({ username: 'alice' })), members));
}

function shapeOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return { type: typeof value };
  const proto = Object.getPrototypeOf(value);
  const inherited: string[] = [];
  for (const key in value) if (!Object.prototype.hasOwnProperty.call(value, key)) inherited.push(key);
  const ctor = (value as { constructor?: unknown }).constructor;
  return {
    proto:
      proto === Object.prototype
        ? 'Object.prototype'
        : proto === null
          ? 'null'
          : `other: ${Object.getOwnPropertyNames(proto).sort().join(',')}`,
    inherited,
    constructor: typeof ctor === 'function' ? `function ${ctor.name}` : typeof ctor,
  };
}

@Controller()
class ClaimsController {
  @Get('user')
  user(@CurrentUser() user: CognitoUser) {
    const any = user as Record<string, any>;
    return {
      username: user.username,
      clientId: user.clientId,
      tokenUse: user.tokenUse,
      groups: user.groups,
      scopes: user.scopes,
      userPoolId: user.userPoolId,
      issuer: user.issuer,
      email: any.email ?? null,
      isAdmin: any.isAdmin ?? null,
      rawGroups: user.claims['cognito:groups'] ?? null,
      shape: shapeOf(user),
      claimsShape: shapeOf(user.claims),
      claimsIsAdmin: (user.claims as Record<string, any>).isAdmin ?? null,
      profileShape: any.profile === undefined ? null : shapeOf(any.profile),
      profileIsAdmin: any.profile?.isAdmin ?? null,
    };
  }

  @Get('is-admin')
  isAdmin(@CurrentUser('isAdmin') isAdmin: unknown) {
    return { isAdmin: isAdmin ?? null };
  }

  @Get('groups')
  groups(@CurrentUser('groups') groups: unknown, @CurrentUser('clientId') clientId: unknown) {
    return { groups, clientId };
  }

  @Groups('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)('no claim changes the shape of the user or overrides a derived field (%s)', (adapter) => {
  const { kit, app } = useModuleApp({ adapter, controllers: [ClaimsController] });
  const call = (path: string, token: string) => get(`${app.url}${path}`, bearer(token));
  let normal: Record<string, any>;

  beforeAll(async () => {
    const res = await call('/user', kit.accessToken({ username: 'alice', profile: { city: 'Paris' } }));
    expect(res.status).toBe(200);
    normal = res.json();
  });

  const expectNormalDerivedFields = (user: Record<string, any>) =>
    expect(user).toMatchObject({
      username: 'alice',
      clientId: kit.clientId,
      tokenUse: 'access',
      groups: [],
      scopes: ['aws.cognito.signin.user.admin'],
      userPoolId: kit.userPoolId,
      issuer: kit.issuer,
      rawGroups: null,
    });

  /** What a claim trick must leave alone: no isAdmin, alice's derived fields and shape, no admin route. */
  async function expectPlainAlice(token: string): Promise<Record<string, any>> {
    expect((await call('/is-admin', token)).json()).toEqual({ isAdmin: null });
    const user = (await call('/user', token)).json();
    expectNormalDerivedFields(user);
    expect(user.shape).toEqual(normal.shape);
    expect((await call('/admin', token)).status).toBe(403);
    return user;
  }

  it('a "__proto__" claim does not become the prototype: no inherited isAdmin, email or groups', async () => {
    const token = aliceWith(
      kit,
      '"__proto__":{"isAdmin":true,"email":"ceo@example.com","groups":["admin"],"cognito:groups":["admin"],"scopes":["admin"]}',
    );
    const user = await expectPlainAlice(token);
    expect(user.email).toBeNull();
    expect(user.isAdmin).toBeNull();
    expect(user.claimsShape).toEqual(normal.claimsShape);
    expect(user.claimsIsAdmin).toBeNull();
  });

  it('claims named like derived fields (groups, scopes, clientId, userPoolId, issuer, tokenUse, claims) do not override them', async () => {
    const token = aliceWith(
      kit,
      [
        '"groups":["admin"]',
        '"scopes":["admin","orders/write"]',
        '"clientId":"evil-client"',
        '"userPoolId":"evil-pool"',
        '"issuer":"https://evil.example.com"',
        '"tokenUse":"id"',
        '"claims":{"cognito:groups":["admin"]}',
      ].join(','),
    );
    expectNormalDerivedFields((await call('/user', token)).json());
    expect((await call('/groups', token)).json()).toEqual({ groups: [], clientId: kit.clientId });
    expect((await call('/admin', token)).status).toBe(403);
  });

  it('"constructor" and "prototype" claims do not change the shape of the user', async () => {
    const token = aliceWith(
      kit,
      '"constructor":{"name":"Admin","prototype":{"isAdmin":true}},"prototype":{"isAdmin":true}',
    );
    await expectPlainAlice(token);
  });

  it('"__proto__" inside a nested claim value stays data: the nested object keeps its plain shape', async () => {
    const token = aliceWith(kit, '"profile":{"city":"Paris","__proto__":{"isAdmin":true}}');
    const user = (await call('/user', token)).json();
    expectNormalDerivedFields(user);
    expect(user.profileIsAdmin).toBeNull();
    expect(user.profileShape).toEqual(normal.profileShape);
    expect(user.shape).toEqual(normal.shape);
    expect(user.isAdmin).toBeNull();
  });
});

describe.each(ADAPTERS)('GraphQL shows no field that came from a "__proto__" claim (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);

  it('me.email is null for a token without an email claim, whatever "__proto__" carries', async () => {
    const token = aliceWith(kit, '"__proto__":{"email":"ceo@example.com","groups":["admin"],"username":"root"}');
    const res = await postQuery(app.url, '{ me { username email groups } }', bearer(token));
    expect(res.json()).toEqual({ data: { me: { username: 'alice', email: null, groups: [] } } });
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)("an ID token's clientId is the configured client its aud matched (%s)", (adapter) => {
  const SECOND_CLIENT = 'second-client-id';
  const { kit, app } = useModuleApp({
    adapter,
    controllers: [ClaimsController],
    options: (kit) => ({ clientId: undefined, clientIds: [kit.clientId, SECOND_CLIENT], tokenUse: 'any' }),
  });
  const user = (token: string) => get(`${app.url}/user`, bearer(token));

  it('aud ["1234", <configured id>] gives the configured id, not the first audience', async () => {
    const res = await user(kit.idToken({ aud: ['1234', kit.clientId] }));
    expect(res.status).toBe(200);
    expect(res.json().clientId).toBe(kit.clientId);
  });

  it('aud ["1234", <second configured id>] gives the second configured id', async () => {
    const res = await user(kit.idToken({ aud: ['1234', SECOND_CLIENT] }));
    expect(res.status).toBe(200);
    expect(res.json().clientId).toBe(SECOND_CLIENT);
  });

  it('a client_id claim in an ID token never becomes clientId', async () => {
    const res = await user(kit.idToken({ aud: kit.clientId, client_id: 'evil-client' }));
    expect(res.status).toBe(200);
    expect(res.json().clientId).toBe(kit.clientId);
    const listed = await user(kit.idToken({ aud: ['1234', SECOND_CLIENT], client_id: kit.clientId }));
    expect(listed.json().clientId).toBe(SECOND_CLIENT);
  });

  it('an access token keeps its checked client_id as clientId', async () => {
    expect((await user(kit.accessToken({ client_id: SECOND_CLIENT }))).json().clientId).toBe(SECOND_CLIENT);
  });

  it('an ID token whose aud names no configured client is still refused', async () => {
    const token = kit.idToken({ aud: ['1234', '5678'] });
    expectInvalidTokenNotEchoed(await user(token), token);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)("Cognito's documented claims of the wrong JSON type are refused (%s)", (adapter) => {
  const { kit, app } = useModuleApp({ adapter, controllers: [ClaimsController], options: { tokenUse: 'any' } });
  const user = (token: string) => get(`${app.url}/user`, bearer(token));

  it.each([
    ['jti is a number', { jti: 12345 }],
    ['origin_jti is a number', { origin_jti: 67890 }],
    ['event_id is a number', { event_id: 424242 }],
    ['version is a string', { version: '1' }],
    ['jti is an object', { jti: { id: 'x' } }],
    ['version is a boolean', { version: true }],
  ])('an access token whose %s: 401 invalid_token', async (_name, claims) => {
    const token = kit.accessToken(claims);
    expectInvalidTokenNotEchoed(await user(token), token);
  });

  it('an ID token whose jti is a number: 401 invalid_token', async () => {
    const token = kit.idToken({ jti: 5 });
    expectInvalidTokenNotEchoed(await user(token), token);
  });

  it('the right types pass: string jti/origin_jti/event_id, numeric version, odd custom:* and unknown claims', async () => {
    const access = kit.accessToken({
      jti: 'a',
      origin_jti: 'b',
      event_id: 'c',
      version: 2,
      'custom:level': 7,
      extra: { any: [1, null] },
    });
    expect((await user(access)).status).toBe(200);
    expect((await user(kit.machineToken({ version: 2 }))).status).toBe(200);
    expect((await user(kit.idToken({ 'custom:tenant': 'acme' }))).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// Keys the key set must not yield

/** A 2048-bit key with public exponent 3: odd and at least 3, so acceptable. */
function exponentThreeKey(kid: string): TestSigningKey {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
  const { n, e } = pair.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return { kid, ...pair, publicJwk: { kid, alg: 'RS256', kty: 'RSA', e, n, use: 'sig' } };
}

const ONE_MIB = 1024 * 1024;
/** How often the key-set suites' apps read the key set again. */
const REFETCH_MS = 300;

/**
 * For suites whose tests each start a kit and an app of ClaimsController that reads the key set
 * again every REFETCH_MS: the function returned does, with options over those (or options made
 * from the started kit), and both are closed after that test.
 */
function useKeySetAppPerTest(adapter: HttpAdapterName) {
  const startKitApp = usePerTestKitApp();
  type Options = Partial<CognitoAuthOptions>;
  return (options: Options | ((kit: CognitoTestKit) => Promise<Options>) = {}) =>
    startKitApp(async (kit) => {
      const own = typeof options === 'function' ? await options(kit) : options;
      const keySet = { jwksRefetchIntervalMs: REFETCH_MS, jwksTimeoutMs: 5_000, ...own };
      return startModuleApp(kit, keySet, [ClaimsController], adapter);
    });
}

const askUser = (running: RunningApp, token: string) => get(`${running.url}/user`, bearer(token));

/**
 * A token with these claims signed by `key` (published next to the kit's key), whose signature
 * node's RS256 check accepts (`signed` says so): the app refuses it, and still admits the good key.
 */
async function expectRefusedThoughSigned(
  app: RunningApp,
  kit: CognitoTestKit,
  key: UnsafeKey,
  claims: Record<string, unknown>,
  signed: string,
): Promise<void> {
  const token = tokenWith(key, payloadJson(kit.accessToken(claims)));
  const [header, payload, signature] = token.split('.');
  expect(key.nodeVerifies(`${header}.${payload}`, Buffer.from(signature!, 'base64url')), signed).toBe(true);
  expectInvalidTokenNotEchoed(await askUser(app, token), token);
  expect((await askUser(app, kit.accessToken())).status).toBe(200); // the good key in the same set still works
}

describe.each(ADAPTERS)(
  'the key set yields only RSA keys of 2048 to 8192 bits with an odd exponent of at least 3 (%s)',
  (adapter) => {
    const setUp = useKeySetAppPerTest(adapter);

    it('a key with exponent 1 is ignored: a signature forged from the public key alone is refused', async () => {
      const { kit, app } = await setUp();
      const unsafe = exponentOneKey('exponent-one');
      kit.publishKeys([kit.currentKey, unsafe.jwk]);
      const claims = { username: 'mallory', 'cognito:groups': ['admin'] };
      await expectRefusedThoughSigned(app, kit, unsafe, claims, 'the forgery is a valid RS256 signature for that key');
    });

    it('a key over 8192 bits is ignored, even with a valid signature', async () => {
      const { kit, app } = await setUp();
      const big = multiPrimeKey('too-big', { primeCount: 17, primeBits: 512 });
      expect(big.modulusBits).toBeGreaterThan(8192);
      kit.publishKeys([kit.currentKey, big.jwk]);
      await expectRefusedThoughSigned(app, kit, big, { username: 'alice' }, 'a valid signature for that key');
    });

    it('a key of exactly 8192 bits is used', async () => {
      const { kit, app } = await setUp();
      const edge = multiPrimeKey('exactly-8192', { primeCount: 16, primeBits: 512, exactBits: 8192 });
      kit.publishKeys([kit.currentKey, edge.jwk]);
      const token = tokenWith(edge, payloadJson(kit.accessToken({ username: 'alice' })));
      const res = await askUser(app, token);
      expect(res.status).toBe(200);
      expect(res.json().username).toBe('alice');
    });

    it('a 1024-bit key is ignored', async () => {
      const { kit, app } = await setUp();
      const small = kit.generateKey({ kid: 'rsa-1024', modulusLength: 1024 });
      kit.publishKeys([kit.currentKey, small]);
      const token = kit.accessToken({}, { key: small });
      expectInvalidTokenNotEchoed(await askUser(app, token), token);
    });

    it('a key with a modulus over 16384 bits is ignored and never causes a 500', async () => {
      const { kit, app } = await setUp();
      const modulus = randomBytes(17_000 / 8);
      modulus[0]! |= 0x80;
      modulus[modulus.length - 1]! |= 0x01;
      const huge = { kty: 'RSA', kid: 'huge', alg: 'RS256', use: 'sig', n: base64url(modulus), e: 'AQAB' };
      kit.publishKeys([kit.currentKey, huge]);
      const token = kit.sign(payloadJson(kit.accessToken()), { header: { kid: 'huge' } });
      expectInvalidTokenNotEchoed(await askUser(app, token), token);
    });

    it('a 2048-bit key with exponent 3 is used', async () => {
      const { kit, app } = await setUp();
      const three = exponentThreeKey('exponent-three');
      kit.publishKeys([kit.currentKey, three]);
      const res = await askUser(app, kit.accessToken({ username: 'alice' }, { key: three }));
      expect(res.status).toBe(200);
      expect(res.json().username).toBe('alice');
    });
  },
);

describe.each(ADAPTERS)('a key-set body over 1 MiB is a failed download (%s)', (adapter) => {
  let stub: StubServer | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });
  const setUp = useKeySetAppPerTest(adapter);

  /** The kit's key set padded with an unknown member to `bytes` bytes of JSON. */
  const paddedKeySet = (k: CognitoTestKit, bytes: number) => {
    const base = JSON.stringify({ keys: k.jwks.keys, padding: '' });
    return `${base.slice(0, -2)}${'x'.repeat(bytes - base.length)}"}`;
  };

  it('1.5 MiB with a Content-Length: 503 with Retry-After, and no key is kept from it', async () => {
    const { kit, app } = await setUp();
    const body = paddedKeySet(kit, 1.5 * ONE_MIB);
    expect(JSON.parse(body).keys).toHaveLength(1);
    kit.setJwksBehaviour({ status: 200, body });
    expectKeySetUnavailable(await askUser(app, kit.accessToken()));
    kit.setJwksBehaviour('error-500');
    await sleep(REFETCH_MS + 100);
    expectKeySetUnavailable(await askUser(app, kit.accessToken()));
  });

  it('1.5 MiB streamed in chunks without a Content-Length: 503 with Retry-After', async () => {
    const { kit, app } = await setUp(async (kit) => {
      const body = paddedKeySet(kit, 1.5 * ONE_MIB);
      stub = await startStubServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let offset = 0; offset < body.length; offset += 16 * 1024)
          res.write(body.slice(offset, offset + 16 * 1024));
        res.end();
      });
      return { jwksUri: `${stub.url}/jwks.json` };
    });
    expectKeySetUnavailable(await askUser(app, kit.accessToken()));
    expect(stub!.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('a 64 KiB body is read normally', async () => {
    const { kit, app } = await setUp();
    kit.setJwksBehaviour({ status: 200, body: paddedKeySet(kit, 64 * 1024) });
    expect((await askUser(app, kit.accessToken())).status).toBe(200);
  });
});
