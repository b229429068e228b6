/**
 * The hostile-token table: classic JWT attacks and malformed inputs, each with the answer the
 * guard owes it. The HTTP suite sends every case to the apps; the verifier suite checks that
 * `CognitoTokenVerifier.verify` gives the guard's verdict on every token of the table.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createCognitoTestKit, type CognitoTestKit, type TestSigningKey } from 'nestjs-cognito-auth/testing';
import { expect } from 'vitest';
import {
  type CountingServer,
  nowSeconds,
  partsOf,
  segment,
  segmentsOf,
  signWith,
  startCountingServer,
} from './hostile.js';

/** Everything a case may build its request from; filled in `beforeAll`. */
export interface Ctx {
  kit: CognitoTestKit;
  /** A second published key of the same pool. */
  sibling: TestSigningKey;
  /** An RSA key that is published nowhere. */
  attacker: TestSigningKey;
  /** Another user pool (its own issuer and keys). */
  otherKit: CognitoTestKit;
  /** Target of jku / x5u: must never receive a request. */
  counting: CountingServer;
  ec: { privateKey: KeyObject; publicKey: KeyObject };
  ed: { privateKey: KeyObject; publicKey: KeyObject };
}

export type Expectation =
  | 'invalid_token' // 401, Bearer error="invalid_token", error_description="…"
  | 'no_credentials' // 401, bare Bearer challenge
  | 'unauthenticated' // 401, bare or invalid_token (the request is ambiguous: e.g. a tab separator)
  | 'invalid_request' // 400 invalid_request or 401 invalid_token
  | 'ok' // 200, user populated, no challenge (controls)
  | 'forbidden' // 403, no challenge
  | 'too_large'; // Node's own 431, or 401 invalid_token; never 500

export interface Probe {
  headers: Record<string, string | string[]>;
  path?: string;
  /** `small`: an app with maxTokenLength 2048 (the sample app keeps the default). */
  target?: 'sample' | 'small';
  token?: string;
}

export interface HostileCase {
  name: string;
  expect: Expectation;
  /** For invalid_token: a word the error_description must contain (case-insensitive). */
  describes?: RegExp;
  build(ctx: Ctx): Probe;
}

export const CASES: HostileCase[] = [];

function tokenCase(
  name: string,
  build: (ctx: Ctx) => string,
  describes?: RegExp,
  expectation: Expectation = 'invalid_token',
): void {
  CASES.push({
    name,
    expect: expectation,
    describes,
    build: (ctx) => {
      const token = build(ctx);
      return { token, headers: { authorization: `Bearer ${token}` } };
    },
  });
}

function headerCase(name: string, expectation: Expectation, build: (ctx: Ctx) => Probe): void {
  CASES.push({ name, expect: expectation, build });
}

// --- building blocks -------------------------------------------------------------------------

const valid = (ctx: Ctx) => ctx.kit.accessToken();
/** Default access-token claims of the pool, freshly timed. */
const claims = (ctx: Ctx, overrides: Record<string, unknown> = {}) => ({
  ...partsOf(valid(ctx)).payload,
  ...overrides,
});
const realHeader = (ctx: Ctx, extra: Record<string, unknown> = {}) => ({
  alg: 'RS256',
  kid: ctx.kit.currentKey.kid,
  ...extra,
});
/** A genuine RS256 signature by the pool's key over any header and payload. */
const genuine = (ctx: Ctx, header: unknown, payload: unknown) =>
  signWith('RS256', header as Record<string, unknown>, payload, ctx.kit.currentKey.privateKey);
const withClaims = (overrides: Record<string, unknown>) => (ctx: Ctx) => ctx.kit.accessToken(overrides);
const withHeader = (header: Record<string, unknown>) => (ctx: Ctx) => ctx.kit.accessToken({}, { header });
/** Bytes as a latin1 string: Node's client sends each char as one byte (raw UTF-8 on the wire). */
const rawBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const ALG_WORD = /algorithm/i;
const KID_WORD = /kid/i;
const CLAIM_WORDS = /claim|issuer|token_use|client|audience|expired|not valid yet/i;
const SHAPE_WORDS = /segment|JSON/i;

// --- controls ---------------------------------------------------------------------------------

tokenCase('control: a genuine access token', valid, undefined, 'ok');
tokenCase(
  'control: genuine token with unknown extra claims',
  withClaims({ 'custom:tenant': 't1', version: 2, extra: { a: [1] } }),
  undefined,
  'ok',
);

// --- algorithm --------------------------------------------------------------------------------

for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
  tokenCase(`alg ${alg}, empty signature`, (ctx) => `${segment(realHeader(ctx, { alg }))}.${segment(claims(ctx))}.`);
  tokenCase(`alg ${alg}, no kid, empty signature`, (ctx) => `${segment({ alg })}.${segment(claims(ctx))}.`);
  tokenCase(
    `alg ${alg} with a genuine RS256 signature`,
    (ctx) => genuine(ctx, realHeader(ctx, { alg }), claims(ctx)),
    ALG_WORD,
  );
}
for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
  tokenCase(
    `${alg} keyed with the public key's SPKI PEM (algorithm confusion)`,
    (ctx) =>
      signWith(
        alg,
        realHeader(ctx, { alg }),
        claims(ctx),
        ctx.kit.currentKey.publicKey.export({ type: 'spki', format: 'pem' }),
      ),
    ALG_WORD,
  );
}
/** HMAC secrets anyone can derive from the pool's published public key. */
const PUBLIC_KEY_AS_SECRET: ReadonlyArray<readonly [string, (key: Ctx['kit']['currentKey']) => Buffer | string]> = [
  ['the PKCS#1 PEM', (key) => key.publicKey.export({ type: 'pkcs1', format: 'pem' })],
  ['the PEM without its final newline', (key) => String(key.publicKey.export({ type: 'spki', format: 'pem' })).trim()],
  ['the JWK as JSON', (key) => JSON.stringify(key.publicJwk)],
  ['the DER bytes', (key) => key.publicKey.export({ type: 'spki', format: 'der' })],
  ['the modulus n', (key) => String(key.publicJwk.n)],
];
for (const [secret, secretOf] of PUBLIC_KEY_AS_SECRET) {
  tokenCase(
    `HS256 keyed with ${secret}`,
    (ctx) => signWith('HS256', realHeader(ctx, { alg: 'HS256' }), claims(ctx), secretOf(ctx.kit.currentKey)),
    ALG_WORD,
  );
}
tokenCase(
  'HS256 keyed with the sibling key PEM, sibling kid',
  (ctx) =>
    signWith(
      'HS256',
      { alg: 'HS256', kid: ctx.sibling.kid },
      claims(ctx),
      ctx.sibling.publicKey.export({ type: 'spki', format: 'pem' }),
    ),
  ALG_WORD,
);
for (const alg of ['RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const) {
  tokenCase(
    `${alg}, really signed with the pool's private key`,
    (ctx) => signWith(alg, realHeader(ctx, { alg }), claims(ctx), ctx.kit.currentKey.privateKey),
    ALG_WORD,
  );
}
tokenCase(
  'ES256 signed with an EC key',
  (ctx) => signWith('ES256', realHeader(ctx, { alg: 'ES256' }), claims(ctx), ctx.ec.privateKey),
  ALG_WORD,
);
tokenCase(
  'EdDSA signed with an Ed25519 key',
  (ctx) => signWith('EdDSA', realHeader(ctx, { alg: 'EdDSA' }), claims(ctx), ctx.ed.privateKey),
  ALG_WORD,
);
tokenCase('header ES256 over a genuine RS256 signature', withHeader({ alg: 'ES256' }), ALG_WORD);
for (const [label, alg] of [
  ['missing alg', undefined],
  ['alg null', null],
  ['alg a number', 256],
  ['alg an array', ['RS256']],
  ['alg an object', { name: 'RS256' }],
  ['alg lowercase rs256', 'rs256'],
  ['alg with a trailing space', 'RS256 '],
  ['alg with a NUL', 'RS256\u0000'],
  ['alg empty', ''],
] as const) {
  tokenCase(label, withHeader({ alg }), ALG_WORD);
}
tokenCase(
  'duplicate alg keys, the last one none',
  (ctx) => genuine(ctx, `{"alg":"RS256","kid":${JSON.stringify(ctx.kit.currentKey.kid)},"alg":"none"}`, claims(ctx)),
  ALG_WORD,
);

// --- kid --------------------------------------------------------------------------------------

for (const [label, kid] of [
  ['kid missing', undefined],
  ['kid a number', 1],
  ['kid null', null],
  ['kid an object', { id: 'x' }],
  ['kid an array', ['x']],
  ['kid empty', ''],
  ['kid of 300 characters', 'k'.repeat(300)],
  ['kid of 5000 characters', 'k'.repeat(5000)],
] as const) {
  tokenCase(label, withHeader({ kid }), KID_WORD);
}
tokenCase(
  'kid an array holding the real kid',
  (ctx) => ctx.kit.accessToken({}, { header: { kid: [ctx.kit.currentKey.kid] } }),
  KID_WORD,
);
for (const [label, kid] of [
  ['kid ../../etc/passwd', '../../etc/passwd'],
  ["kid ' OR 1=1 --", "' OR 1=1 --"],
  ['kid __proto__', '__proto__'],
  ['kid constructor', 'constructor'],
  ['kid toString', 'toString'],
  ['kid hasOwnProperty', 'hasOwnProperty'],
  ['kid with a right-to-left override', '\u202egnp.exe'],
  ['kid with a lone surrogate', '\ud800'],
  ['kid http URL', 'http://127.0.0.1:1/jwks.json'],
] as const) {
  tokenCase(label, withHeader({ kid }));
}
tokenCase('kid of the real key plus a trailing space', (ctx) =>
  ctx.kit.accessToken({}, { header: { kid: `${ctx.kit.currentKey.kid} ` } }),
);
tokenCase('kid of the real key plus a NUL', (ctx) =>
  ctx.kit.accessToken({}, { header: { kid: `${ctx.kit.currentKey.kid}\u0000` } }),
);
tokenCase(
  'kid of another published key, signed by ours',
  (ctx) => ctx.kit.accessToken({}, { header: { kid: ctx.sibling.kid } }),
  /signature/i,
);

// --- keys from the token itself: jku, x5u, jwk, x5c ----------------------------------------------

const attackerToken = (header: (ctx: Ctx) => Record<string, unknown>) => (ctx: Ctx) =>
  ctx.kit.accessToken({}, { key: ctx.attacker, header: header(ctx) });
tokenCase(
  'jku to a loopback JWKS, attacker key and kid',
  attackerToken((ctx) => ({ jku: `${ctx.counting.url}/jwks.json` })),
);
tokenCase(
  'x5u to a loopback URL, attacker key and kid',
  attackerToken((ctx) => ({ x5u: `${ctx.counting.url}/cert.pem` })),
);
tokenCase(
  'jku with our kid, attacker signature',
  attackerToken((ctx) => ({ jku: `${ctx.counting.url}/jwks.json`, kid: ctx.kit.currentKey.kid })),
  /signature/i,
);
tokenCase(
  'embedded jwk of the attacker key',
  attackerToken((ctx) => ({ jwk: ctx.attacker.publicJwk })),
);
tokenCase(
  'embedded jwk, our kid, attacker signature',
  attackerToken((ctx) => ({ jwk: ctx.attacker.publicJwk, kid: ctx.kit.currentKey.kid })),
  /signature/i,
);
tokenCase(
  'x5c with the attacker public key',
  attackerToken((ctx) => ({
    x5c: [ctx.attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
  })),
);
tokenCase(
  'jku, x5u, jwk and x5c all at once, no kid',
  attackerToken((ctx) => ({
    kid: undefined,
    jku: `${ctx.counting.url}/jwks.json`,
    x5u: `${ctx.counting.url}/x5u`,
    jwk: ctx.attacker.publicJwk,
    x5c: [ctx.attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
  })),
  KID_WORD,
);
tokenCase(
  'jku on a genuine token is ignored (no request)',
  (ctx) => ctx.kit.accessToken({}, { header: { jku: `${ctx.counting.url}/jwks.json` } }),
  undefined,
  'ok',
);

// --- crit --------------------------------------------------------------------------------------

for (const [label, extra] of [
  ['crit [exp]', { crit: ['exp'], exp: 1 }],
  ['crit empty array', { crit: [] }],
  ['crit b64 with b64:false', { crit: ['b64'], b64: false }],
  ['crit a string', { crit: 'kid' }],
  ['crit null', { crit: null }],
] as const) {
  tokenCase(`${label} on a genuine token`, withHeader(extra as Record<string, unknown>), /crit/i);
}

// --- signature and provenance ------------------------------------------------------------------

tokenCase(
  'tampered payload (another sub), signature kept',
  (ctx) => {
    const [h, , s] = segmentsOf(valid(ctx));
    return `${h}.${segment(claims(ctx, { sub: 'someone-else' }))}.${s}`;
  },
  /signature/i,
);
tokenCase(
  'tampered payload (admin group added), signature kept',
  (ctx) => {
    const [h, , s] = segmentsOf(valid(ctx));
    return `${h}.${segment(claims(ctx, { 'cognito:groups': ['admin'] }))}.${s}`;
  },
  /signature/i,
);
tokenCase(
  'tampered header (typ added), signature kept',
  (ctx) => {
    const [, p, s] = segmentsOf(valid(ctx));
    return `${segment(realHeader(ctx, { typ: 'JWT' }))}.${p}.${s}`;
  },
  /signature/i,
);
tokenCase(
  'signature of another token',
  (ctx) => {
    const [h, p] = segmentsOf(valid(ctx));
    return `${h}.${p}.${segmentsOf(ctx.kit.accessToken({ username: 'other' }))[2]}`;
  },
  /signature/i,
);
tokenCase('signature truncated by 4 characters', (ctx) => valid(ctx).slice(0, -4), /signature/i);
tokenCase(
  'signature of all A',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    return `${h}.${p}.${'A'.repeat(s.length)}`;
  },
  /signature/i,
);
tokenCase(
  'signature with one character changed in the middle',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    const i = s.length >> 1;
    return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
  },
  /signature/i,
);
tokenCase(
  're-signed with an unpublished key under our kid',
  (ctx) => ctx.kit.accessToken({}, { key: ctx.attacker, header: { kid: ctx.kit.currentKey.kid } }),
  /signature/i,
);
tokenCase('re-signed with an unpublished key under its own kid', (ctx) =>
  ctx.kit.accessToken({}, { key: ctx.attacker }),
);
tokenCase('token of another pool', (ctx) => ctx.otherKit.accessToken());
tokenCase('another pool, with our client id', (ctx) => ctx.otherKit.accessToken({ client_id: ctx.kit.clientId }));
tokenCase("our iss, signed by the other pool's key", (ctx) =>
  ctx.kit.accessToken({}, { key: ctx.otherKit.currentKey }),
);
tokenCase('an ID token of our pool (access tokens only)', (ctx) => ctx.kit.idToken(), CLAIM_WORDS);

// --- claims (issuer, token_use, client, time window), all genuinely signed -----------------------------------------------

const claimCases: Array<[string, Record<string, unknown> | ((ctx: Ctx) => Record<string, unknown>)]> = [
  ['iss another issuer', { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker' }],
  [
    'iss the real Cognito URL of our pool id (not the configured issuer)',
    { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1' },
  ],
  ['iss missing', { iss: undefined }],
  ['iss a number', { iss: 123 }],
  ['iss an array holding our issuer', (ctx) => ({ iss: [ctx.kit.issuer] })],
  ['iss with a trailing slash', (ctx) => ({ iss: `${ctx.kit.issuer}/` })],
  ['iss in upper case', (ctx) => ({ iss: ctx.kit.issuer.toUpperCase() })],
  ['iss with a trailing space', (ctx) => ({ iss: `${ctx.kit.issuer} ` })],
  ['iss empty', { iss: '' }],
  ['token_use id', { token_use: 'id' }],
  ['token_use refresh', { token_use: 'refresh' }],
  ['token_use ACCESS', { token_use: 'ACCESS' }],
  ['token_use missing', { token_use: undefined }],
  ['token_use a number', { token_use: 1 }],
  ['token_use an array', { token_use: ['access'] }],
  ['token_use null', { token_use: null }],
  ['client_id another client', { client_id: 'another-client' }],
  ['client_id missing', { client_id: undefined }],
  ['client_id a number', { client_id: 123 }],
  ['client_id an array holding ours', (ctx) => ({ client_id: [ctx.kit.clientId] })],
  ['client_id empty', { client_id: '' }],
  ['client_id with a trailing space', (ctx) => ({ client_id: `${ctx.kit.clientId} ` })],
  ['client_id null', { client_id: null }],
  ['aud another client on an access token', { aud: 'another-client' }],
  ['aud an empty array', { aud: [] }],
  ['aud a number', { aud: 1 }],
  ['aud an array of other clients', { aud: ['a', 'b'] }],
  ['aud an object', { aud: { client: 'x' } }],
  ['aud null', { aud: null }],
  ['exp in the past', { exp: nowSeconds() - 3600 }],
  ['exp just beyond the 5 s tolerance', () => ({ exp: nowSeconds() - 7 })],
  ['exp 0', { exp: 0 }],
  ['exp missing', { exp: undefined }],
  ['exp a numeric string', { exp: '9999999999' }],
  ['exp null', { exp: null }],
  ['exp true', { exp: true }],
  ['exp an array', { exp: [9999999999] }],
  ['exp an object', { exp: { value: 9999999999 } }],
  ['nbf an hour ahead', () => ({ nbf: nowSeconds() + 3600 })],
  ['nbf a string', { nbf: '0' }],
  ['nbf null', { nbf: null }],
  ['nbf an array', { nbf: [0] }],
  ['iat a string', { iat: 'yesterday' }],
  ['iat an object', { iat: {} }],
  ['iat null', { iat: null }],
  ['sub missing', { sub: undefined }],
  ['sub a number', { sub: 42 }],
  ['sub null', { sub: null }],
  ['sub an object', { sub: { id: 1 } }],
  ['username a number', { username: 7 }],
  ['username an array', { username: ['alice'] }],
  ['username null', { username: null }],
  ['cognito:username a number', { 'cognito:username': 7 }],
  ['cognito:groups a string', { 'cognito:groups': 'admin' }],
  ['cognito:groups an array of numbers', { 'cognito:groups': [1] }],
  ['cognito:groups nested arrays', { 'cognito:groups': [['admin']] }],
  ['cognito:groups an object', { 'cognito:groups': { admin: true } }],
  ['cognito:groups null', { 'cognito:groups': null }],
  ['scope an array', { scope: ['orders/read'] }],
  ['scope a number', { scope: 1 }],
  ['scope null', { scope: null }],
  ['auth_time a string', { auth_time: 'now' }],
];
for (const [label, overrides] of claimCases) {
  tokenCase(
    `claim: ${label}`,
    (ctx) => ctx.kit.accessToken(typeof overrides === 'function' ? overrides(ctx) : overrides),
    CLAIM_WORDS,
  );
}

// --- shape: segments, base64url, JSON, UTF-8 ----------------------------------------------------

tokenCase('1 segment', (ctx) => segmentsOf(valid(ctx))[0], SHAPE_WORDS);
tokenCase('2 segments', (ctx) => segmentsOf(valid(ctx)).slice(0, 2).join('.'), SHAPE_WORDS);
tokenCase('4 segments', (ctx) => `${valid(ctx)}.${segmentsOf(valid(ctx))[2]}`, SHAPE_WORDS);
tokenCase('5 segments (JWE shape)', (ctx) => `${valid(ctx)}.AAAA.BBBB`, SHAPE_WORDS);
tokenCase('only dots', () => '..', SHAPE_WORDS);
tokenCase('empty header segment', (ctx) => `.${segmentsOf(valid(ctx)).slice(1).join('.')}`, SHAPE_WORDS);
tokenCase(
  'empty payload segment',
  (ctx) => {
    const [h, , s] = segmentsOf(valid(ctx));
    return `${h}..${s}`;
  },
  SHAPE_WORDS,
);
tokenCase('empty signature segment', (ctx) => `${segmentsOf(valid(ctx)).slice(0, 2).join('.')}.`, SHAPE_WORDS);
tokenCase(
  '= padding on the header',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    return `${h}=.${p}.${s}`;
  },
  SHAPE_WORDS,
);
tokenCase(
  '== padding on the payload',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    return `${h}.${p}==.${s}`;
  },
  SHAPE_WORDS,
);
tokenCase('= padding on the signature', (ctx) => `${valid(ctx)}=`, SHAPE_WORDS);
tokenCase(
  'standard base64 (+ and /) in the signature',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    return `${h}.${p}.${s.slice(0, -2)}+/`;
  },
  SHAPE_WORDS,
);
tokenCase(
  'a * in the header',
  (ctx) => {
    const [h, p, s] = segmentsOf(valid(ctx));
    return `*${h}.${p}.${s}`;
  },
  SHAPE_WORDS,
);
tokenCase('percent-encoded dot', (ctx) => valid(ctx).replace('.', '%2E'), SHAPE_WORDS);
tokenCase('header is not JSON', (ctx) => genuine(ctx, 'not json at all', claims(ctx)), SHAPE_WORDS);
tokenCase('header is truncated JSON', (ctx) => genuine(ctx, '{"alg":"RS256"', claims(ctx)), SHAPE_WORDS);
for (const [label, json] of [
  ['an array', '[]'],
  ['a string', '"RS256"'],
  ['a number', '256'],
  ['null', 'null'],
  ['true', 'true'],
] as const) {
  tokenCase(`header is ${label}`, (ctx) => genuine(ctx, json, claims(ctx)), SHAPE_WORDS);
  tokenCase(`payload is ${label}`, (ctx) => genuine(ctx, realHeader(ctx), json), SHAPE_WORDS);
}
tokenCase('payload is not JSON', (ctx) => genuine(ctx, realHeader(ctx), 'hello'), SHAPE_WORDS);
tokenCase(
  'header is invalid UTF-8',
  (ctx) => genuine(ctx, new Uint8Array([0xff, 0xfe, 0xfd, 0x7b, 0x7d]), claims(ctx)),
  SHAPE_WORDS,
);
tokenCase(
  'payload is invalid UTF-8',
  (ctx) => genuine(ctx, realHeader(ctx), new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])),
  SHAPE_WORDS,
);
tokenCase(
  'header is UTF-16',
  (ctx) => genuine(ctx, new Uint8Array(Buffer.from(JSON.stringify(realHeader(ctx)), 'utf16le')), claims(ctx)),
  SHAPE_WORDS,
);
tokenCase('payload with a BOM', (ctx) => genuine(ctx, realHeader(ctx), `\ufeff${JSON.stringify(claims(ctx))}`));
tokenCase(
  '15 kB of base64url junk in three segments',
  () => `${'a'.repeat(5000)}.${'b'.repeat(5000)}.${'c'.repeat(5000)}`,
);

// __proto__ in the payload must not grant anything: the token itself is genuine and valid.
headerCase('payload __proto__ carrying admin groups grants nothing (/admin)', 'forbidden', (ctx) => {
  const payload = `{"__proto__":{"cognito:groups":["admin"]},${JSON.stringify(claims(ctx)).slice(1)}`;
  return { headers: { authorization: `Bearer ${genuine(ctx, realHeader(ctx), payload)}` }, path: '/admin' };
});

// --- size ---------------------------------------------------------------------------------------

headerCase('over maxTokenLength (2048): a 3 kB genuine token', 'invalid_token', (ctx) => {
  const token = ctx.kit.accessToken({ padding: 'p'.repeat(2_000) });
  expect(token.length).toBeGreaterThan(2_048);
  return { token, headers: { authorization: `Bearer ${token}` }, target: 'small' };
});
headerCase('under maxTokenLength (2048): a 1.9 kB genuine token', 'ok', (ctx) => {
  const token = ctx.kit.accessToken({ padding: 'p'.repeat(700) });
  expect(token.length).toBeLessThanOrEqual(2_048);
  return { token, headers: { authorization: `Bearer ${token}` }, target: 'small' };
});
headerCase("20 kB token (over Node's 16 kB header limit)", 'too_large', (ctx) => {
  const token = ctx.kit.accessToken({ padding: 'p'.repeat(15_000) });
  return { token, headers: { authorization: `Bearer ${token}` } };
});
headerCase('1 MB token', 'too_large', () => {
  const token = `${'a'.repeat(350_000)}.${'b'.repeat(350_000)}.${'c'.repeat(350_000)}`;
  return { token, headers: { authorization: `Bearer ${token}` } };
});

// --- the Authorization header itself -----------------------------------------------------------

const auth =
  (value: (ctx: Ctx) => string, extra: Omit<Probe, 'headers'> = {}) =>
  (ctx: Ctx): Probe => ({
    headers: { authorization: value(ctx) },
    ...extra,
  });
headerCase('two Bearer headers, both genuine', 'invalid_request', (ctx) => ({
  headers: { authorization: [`Bearer ${valid(ctx)}`, `Bearer ${valid(ctx)}`] },
}));
headerCase('Bearer genuine then Basic', 'invalid_request', (ctx) => ({
  headers: { authorization: [`Bearer ${valid(ctx)}`, 'Basic dXNlcjpwYXNz'] },
}));
headerCase('Basic then Bearer genuine', 'invalid_request', (ctx) => ({
  headers: { authorization: ['Basic dXNlcjpwYXNz', `Bearer ${valid(ctx)}`] },
}));
headerCase('Bearer genuine then an empty Authorization', 'invalid_request', (ctx) => ({
  headers: { authorization: [`Bearer ${valid(ctx)}`, ''] },
}));
headerCase('Bearer hostile then Bearer genuine', 'invalid_request', (ctx) => ({
  headers: { authorization: ['Bearer x.y.z', `Bearer ${valid(ctx)}`] },
}));

/** One Authorization value each, and the answer it gets. */
const AUTHORIZATION_VALUES: ReadonlyArray<readonly [string, Expectation, (ctx: Ctx) => string]> = [
  ['tab between scheme and token', 'unauthenticated', (ctx) => `Bearer\t${valid(ctx)}`],
  ['many spaces between scheme and token (RFC 7235: 1*SP)', 'ok', (ctx) => `Bearer        ${valid(ctx)}`],
  ['scheme in lower case', 'ok', (ctx) => `bearer ${valid(ctx)}`],
  ['scheme in upper case', 'ok', (ctx) => `BEARER ${valid(ctx)}`],
  ['scheme in mixed case', 'ok', (ctx) => `BeArEr ${valid(ctx)}`],
  ['Bearer alone', 'no_credentials', () => 'Bearer'],
  ['Bearer and spaces', 'no_credentials', () => 'Bearer      '],
  ['empty Authorization', 'no_credentials', () => ''],
  ['Basic credentials', 'no_credentials', () => 'Basic dXNlcjpwYXNz'],
  ['another scheme with a genuine token', 'no_credentials', (ctx) => `Token ${valid(ctx)}`],
  ['scheme glued to the token', 'no_credentials', (ctx) => `Bearer${valid(ctx)}`],
  ['scheme with a colon', 'no_credentials', (ctx) => `Bearer: ${valid(ctx)}`],
  ['non-ASCII scheme', 'no_credentials', (ctx) => rawBytes(`Bëarer ${valid(ctx)}`)],
  ['non-ASCII token', 'invalid_token', () => rawBytes('Bearer tökén.ünïcødé.sïg')],
  ['genuine token plus a non-ASCII character', 'invalid_token', (ctx) => rawBytes(`Bearer ${valid(ctx)}é`)],
  ['genuine token plus a zero-width space', 'invalid_token', (ctx) => rawBytes(`Bearer ${valid(ctx)}\u200b`)],
  ['genuine token plus another word', 'invalid_token', (ctx) => `Bearer ${valid(ctx)} extra`],
  ['genuine token in quotes', 'invalid_token', (ctx) => `Bearer "${valid(ctx)}"`],
  ['genuine token plus a comma and Basic', 'invalid_request', (ctx) => `Bearer ${valid(ctx)}, Basic dXNlcjpwYXNz`],
];
for (const [name, expectation, value] of AUTHORIZATION_VALUES) headerCase(name, expectation, auth(value));

headerCase('token in the query string only (access_token)', 'no_credentials', (ctx) => ({
  headers: {},
  path: `/me?access_token=${valid(ctx)}`,
}));
headerCase('token in the query string only (token)', 'no_credentials', (ctx) => ({
  headers: {},
  path: `/me?token=${valid(ctx)}`,
}));
headerCase('token in a cookie', 'no_credentials', (ctx) => ({ headers: { cookie: `access_token=${valid(ctx)}` } }));
headerCase('token in X-Authorization', 'no_credentials', (ctx) => ({
  headers: { 'x-authorization': `Bearer ${valid(ctx)}` },
}));
headerCase('token in Proxy-Authorization', 'no_credentials', (ctx) => ({
  headers: { 'proxy-authorization': `Bearer ${valid(ctx)}` },
}));

/** The keys, pools and servers the cases are built from. Close them with `closeHostileContext`. */
export async function createHostileContext(): Promise<Ctx> {
  const [kit, otherKit, counting] = await Promise.all([
    createCognitoTestKit(),
    createCognitoTestKit({ userPoolId: 'us-east-1_OtherPool' }),
    startCountingServer(),
  ]);
  const ctx: Ctx = {
    kit,
    otherKit,
    counting,
    sibling: kit.generateKey(),
    attacker: kit.generateKey(),
    ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ed: generateKeyPairSync('ed25519'),
  };
  kit.publishKeys([kit.currentKey, ctx.sibling]);
  return ctx;
}

export async function closeHostileContext(ctx: Partial<Ctx>): Promise<void> {
  await Promise.all([ctx.kit?.close(), ctx.otherKit?.close(), ctx.counting?.close()]);
}
