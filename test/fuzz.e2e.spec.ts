/**
 * Property-based fuzzing of the guard over real HTTP (fast-check), one sample app per adapter.
 *
 * Properties, for every generated input:
 *   - never a 5xx;
 *   - never a 200 on a protected route unless the token is (equivalent to) a genuine one;
 *   - refusals carry a well-formed challenge (bare `Bearer`, `invalid_token` or `invalid_request`);
 *   - the app keeps answering (`/health` is 200 after each property).
 *
 * Reproducible: the seed is fixed (default below). Override it, and scale the number of runs,
 * with environment variables, e.g. `FUZZ_SEED=42 FUZZ_SCALE=4 npx vitest run test/fuzz.e2e.spec.ts`.
 * A failure prints the seed, the path and the shrunk counterexample; re-run with the same seed.
 */
import fc from 'fast-check';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { get, type HttpResult } from './support/http.js';
import {
  BARE_CHALLENGE,
  challengeOf,
  INVALID_REQUEST_CHALLENGE,
  INVALID_TOKEN_CHALLENGE,
  nowSeconds,
  partsOf,
  segmentsOf,
  signWith,
} from './support/hostile.js';
import { useSampleApp } from './support/kit-app.js';
import { ADAPTERS } from './support/test-app.js';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2024);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Runs per property and per adapter. */
const RUNS = {
  authorizationHeader: Math.round(1_500 * SCALE),
  tokenMutation: Math.round(2_000 * SCALE),
  wrongClaims: Math.round(1_200 * SCALE),
  validWithNoise: Math.round(400 * SCALE),
};
const PROPERTY_TIMEOUT_MS = 90_000 * SCALE;

const counts: Record<string, number> = {};
const count = (name: string) => {
  counts[name] = (counts[name] ?? 0) + 1;
};

// --- arbitraries --------------------------------------------------------------------------------

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64urlChar = fc.constantFrom(...BASE64URL);
/** Characters Node's HTTP client accepts in a header value (tab, visible ASCII, space). */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.constant('\t'),
);
/** A Unicode string sent as its raw UTF-8 bytes (each byte one latin1 char for Node's client). */
const utf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
/** Node's client refuses ASCII control characters (other than tab) in header values: drop them. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const withoutControls = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');

const authorizationValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 400 }),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer  ', 'Bearer\t', 'Basic ', 'Bearer', 'Token ', ''),
      fc.string({ unit: headerChar, maxLength: 400 }),
    )
    .map(([scheme, rest]) => scheme + rest),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'bearer '),
      fc.array(fc.string({ unit: base64urlChar, maxLength: 120 }), { minLength: 1, maxLength: 5 }),
    )
    .map(([scheme, parts]) => scheme + parts.join('.')),
  fc.string({ unit: 'grapheme', maxLength: 80 }).map((text) => utf8Bytes(`Bearer ${withoutControls(text)}`)),
  fc.string({ unit: 'binary', maxLength: 80 }).map((text) => utf8Bytes(`Bearer ${withoutControls(text)}`)),
);

type Mutation =
  | { op: 'replace'; at: number; char: string }
  | { op: 'delete'; at: number }
  | { op: 'insert'; at: number; char: string }
  | { op: 'truncate'; at: number }
  | { op: 'swapSegments'; a: number; b: number }
  | { op: 'duplicateSegment'; at: number }
  | { op: 'dropSegment'; at: number }
  | { op: 'randomSegment'; at: number; value: string }
  | { op: 'foreignSegment'; at: number; from: number };

const mutationChar = fc.oneof(base64urlChar, fc.constantFrom('.', '=', '+', '/', ' ', '%', '~', '"', '\t', 'é'));
const position = fc.nat({ max: 2_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: position, char: mutationChar }),
  fc.record({ op: fc.constant('delete' as const), at: position }),
  fc.record({ op: fc.constant('insert' as const), at: position, char: mutationChar }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('swapSegments' as const), a: fc.nat({ max: 4 }), b: fc.nat({ max: 4 }) }),
  fc.record({ op: fc.constant('duplicateSegment' as const), at: fc.nat({ max: 4 }) }),
  fc.record({ op: fc.constant('dropSegment' as const), at: fc.nat({ max: 4 }) }),
  fc.record({
    op: fc.constant('randomSegment' as const),
    at: fc.nat({ max: 4 }),
    value: fc.string({ unit: base64urlChar, maxLength: 400 }),
  }),
  fc.record({ op: fc.constant('foreignSegment' as const), at: fc.nat({ max: 2 }), from: fc.nat({ max: 7 }) }),
);

function applyMutation(token: string, m: Mutation, pool: readonly string[]): string {
  const segments = token.split('.');
  const seg = (i: number) => i % Math.max(1, segments.length);
  const clamp = (i: number) => (token.length === 0 ? 0 : i % (token.length + 1));
  switch (m.op) {
    case 'replace': {
      const at = clamp(m.at);
      return token.slice(0, at) + m.char + token.slice(at + 1);
    }
    case 'delete': {
      const at = clamp(m.at);
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'insert': {
      const at = clamp(m.at);
      return token.slice(0, at) + m.char + token.slice(at);
    }
    case 'truncate':
      return token.slice(0, clamp(m.at));
    case 'swapSegments': {
      const [a, b] = [seg(m.a), seg(m.b)];
      [segments[a], segments[b]] = [segments[b]!, segments[a]!];
      return segments.join('.');
    }
    case 'duplicateSegment':
      segments.splice(seg(m.at), 0, segments[seg(m.at)]!);
      return segments.join('.');
    case 'dropSegment':
      segments.splice(seg(m.at), 1);
      return segments.join('.');
    case 'randomSegment':
      segments[seg(m.at)] = m.value;
      return segments.join('.');
    case 'foreignSegment': {
      const other = pool[m.from % pool.length]!.split('.');
      segments[seg(m.at)] = other[m.at % 3]!;
      return segments.join('.');
    }
  }
}

/**
 * The oracle: a mutated token may pass only if it is one of the genuine tokens, byte for byte
 * (a non-canonical base64url spelling of a genuine signature is refused too).
 */
function isEquivalentToGenuine(candidate: string, genuine: readonly string[]): boolean {
  return genuine.includes(candidate.trim());
}

/** The claims the module type-checks, with a predicate for "right JSON type". */
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isStringArray = (v: unknown) => Array.isArray(v) && v.every(isString);
const TYPED_CLAIMS: Record<string, (v: unknown) => boolean> = {
  iss: isString,
  sub: isString,
  token_use: isString,
  exp: isNumber,
  nbf: isNumber,
  iat: isNumber,
  auth_time: isNumber,
  client_id: isString,
  aud: (v) => isString(v) || (isStringArray(v) && (v as unknown[]).length > 0),
  username: isString,
  'cognito:username': isString,
  'cognito:groups': isStringArray,
  scope: isString,
};
const KNOWN_HEADER = new Set(['alg', 'kid', 'crit']);

/** A change that makes a genuine token invalid, whatever noise comes with it. */
type Breaker =
  | { kind: 'wrongType'; claim: string; value: unknown }
  | { kind: 'remove'; claim: 'iss' | 'sub' | 'token_use' | 'exp' | 'client_id' }
  | { kind: 'iss' | 'token_use' | 'client_id'; value: string }
  | { kind: 'aud'; value: string | string[] }
  | { kind: 'expired'; secondsAgo: number }
  | { kind: 'notYetValid'; secondsAhead: number }
  | { kind: 'alg'; value: unknown }
  | { kind: 'kid'; value: unknown }
  | { kind: 'crit'; value: unknown }
  | { kind: 'payloadNotObject'; value: unknown }
  | { kind: 'headerNotObject'; value: unknown };

const jsonValue = fc.jsonValue({ maxDepth: 2 });
const nonObject = fc.oneof(
  fc.array(jsonValue, { maxLength: 3 }),
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

function breakerArb(kit: CognitoTestKit): fc.Arbitrary<Breaker> {
  const claimNames = Object.keys(TYPED_CLAIMS);
  return fc.oneof(
    fc
      .constantFrom(...claimNames)
      .chain((claim) =>
        jsonValue
          .filter((value) => !TYPED_CLAIMS[claim]!(value))
          .map((value) => ({ kind: 'wrongType' as const, claim, value })),
      ),
    fc.constantFrom('iss', 'sub', 'token_use', 'exp', 'client_id').map((claim) => ({ kind: 'remove' as const, claim })),
    fc
      .string()
      .filter((v) => v !== kit.issuer)
      .map((value) => ({ kind: 'iss' as const, value })),
    fc
      .string()
      .filter((v) => v !== 'access')
      .map((value) => ({ kind: 'token_use' as const, value })),
    fc
      .string()
      .filter((v) => v !== kit.clientId)
      .map((value) => ({ kind: 'client_id' as const, value })),
    fc
      .oneof(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 3 }))
      .filter((v) => (Array.isArray(v) ? !v.includes(kit.clientId) : v !== kit.clientId))
      .map((value) => ({ kind: 'aud' as const, value })),
    fc.integer({ min: 10, max: 10 ** 9 }).map((secondsAgo) => ({ kind: 'expired' as const, secondsAgo })),
    fc.integer({ min: 60, max: 10 ** 9 }).map((secondsAhead) => ({ kind: 'notYetValid' as const, secondsAhead })),
    jsonValue.filter((v) => v !== 'RS256').map((value) => ({ kind: 'alg' as const, value })),
    jsonValue.filter((v) => v !== kit.currentKey.kid).map((value) => ({ kind: 'kid' as const, value })),
    jsonValue.map((value) => ({ kind: 'crit' as const, value })),
    nonObject.map((value) => ({ kind: 'payloadNotObject' as const, value })),
    nonObject.map((value) => ({ kind: 'headerNotObject' as const, value })),
  );
}

/** Extra claims and header fields the module must not care about (Cognito adds claims over time: never reject for them). */
const noiseKey = fc.string({ maxLength: 12 }).filter((key) => !(key in TYPED_CLAIMS) && !KNOWN_HEADER.has(key));
const noise = fc.dictionary(noiseKey, jsonValue, { maxKeys: 4 });

interface ClaimsCase {
  header: unknown;
  payload: unknown;
}

/** The claims a breaker edits, and the case it may replace a whole part of. */
interface BrokenParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  out: ClaimsCase;
}

/** What each kind of breaker does to a valid token's parts. */
const BREAK: { [K in Breaker['kind']]: (breaker: Breaker & { kind: K }, parts: BrokenParts) => void } = {
  wrongType: (b, { payload }) => void (payload[b.claim] = b.value),
  remove: (b, { payload }) => void delete payload[b.claim],
  iss: (b, { payload }) => void (payload.iss = b.value),
  token_use: (b, { payload }) => void (payload.token_use = b.value),
  client_id: (b, { payload }) => void (payload.client_id = b.value),
  aud: (b, { payload }) => void (payload.aud = b.value),
  expired: (b, { payload }) => void (payload.exp = nowSeconds() - b.secondsAgo),
  notYetValid: (b, { payload }) => void (payload.nbf = nowSeconds() + b.secondsAhead),
  alg: (b, { header }) => void (header.alg = b.value),
  kid: (b, { header }) => void (header.kid = b.value),
  crit: (b, { header }) => void (header.crit = b.value),
  payloadNotObject: (b, { out }) => void (out.payload = b.value),
  headerNotObject: (b, { out }) => void (out.header = b.value),
};

function buildClaimsCase(
  kit: CognitoTestKit,
  breakers: Breaker[],
  payloadNoise: object,
  headerNoise: object,
): ClaimsCase {
  const header: Record<string, unknown> = { ...headerNoise, alg: 'RS256', kid: kit.currentKey.kid };
  const payload: Record<string, unknown> = { ...payloadNoise, ...partsOf(kit.accessToken()).payload };
  const out: ClaimsCase = { header, payload };
  for (const breaker of breakers)
    (BREAK[breaker.kind] as (b: Breaker, parts: BrokenParts) => void)(breaker, { header, payload, out });
  return out;
}

/** JSON-encodes header and payload (a string value becomes a JSON string) and RS256-signs with the pool's real key. */
function signJson(kit: CognitoTestKit, { header, payload }: ClaimsCase): string {
  return signWith('RS256', JSON.stringify(header), JSON.stringify(payload), kit.currentKey.privateKey);
}

// --- assertions -------------------------------------------------------------------------------

function assertRefusal(res: HttpResult, allowBare: boolean): void {
  expect(res.status, `never 5xx: ${res.body}`).toBeLessThan(500);
  const challenge = challengeOf(res) ?? '';
  if (res.status === 400) {
    expect(challenge).toMatch(INVALID_REQUEST_CHALLENGE);
    return;
  }
  expect(res.status).toBe(401);
  if (allowBare && BARE_CHALLENGE.test(challenge)) return;
  expect(challenge).toMatch(INVALID_TOKEN_CHALLENGE);
}

describe.each(ADAPTERS)('fuzzing the guard (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  let genuine: string[];
  const me = (authorization: string) => get(`${app.url}/me`, { authorization });

  beforeAll(async () => {
    genuine = Array.from({ length: 8 }, (_, i) => kit.accessToken({ username: `fuzz-${i}` }));
    for (const token of genuine) expect((await me(`Bearer ${token}`)).status).toBe(200);
  });

  const healthy = async () => {
    expect((await get(`${app.url}/health`)).status).toBe(200);
    expect((await me(`Bearer ${genuine[0]}`)).status).toBe(200);
  };

  it(
    `arbitrary Authorization header values (${RUNS.authorizationHeader} runs)`,
    { timeout: PROPERTY_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(authorizationValue, async (value) => {
          count(`authorization header (${adapter})`);
          const res = await me(value);
          assertRefusal(res, true);
          const credentials = value.replace(/^\S*\s*/, '');
          if (credentials.length >= 16) expect(`${challengeOf(res)}${res.body}`).not.toContain(credentials);
        }),
        { numRuns: RUNS.authorizationHeader, seed: FUZZ_SEED },
      );
      await healthy();
    },
  );

  it(`mutations of genuine tokens (${RUNS.tokenMutation} runs)`, { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 7 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        async (which, mutations) => {
          count(`token mutation (${adapter})`);
          const mutated = mutations.reduce((token, m) => applyMutation(token, m, genuine), genuine[which]!);
          const res = await me(utf8Bytes(`Bearer ${mutated}`));
          if (isEquivalentToGenuine(mutated, genuine)) {
            accepted += 1;
            expect(res.status).toBe(200);
          } else {
            assertRefusal(res, mutated.trim() === '');
          }
        },
      ),
      { numRuns: RUNS.tokenMutation, seed: FUZZ_SEED },
    );
    counts[`token mutation accepted as genuine-equivalent (${adapter})`] = accepted;
    await healthy();
  });

  it(
    `genuinely signed, arbitrary JSON that breaks at least one claim check (${RUNS.wrongClaims} runs)`,
    { timeout: PROPERTY_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(breakerArb(kit), { minLength: 1, maxLength: 3 }),
          noise,
          noise,
          async (breakers, payloadNoise, headerNoise) => {
            count(`wrong claims (${adapter})`);
            const token = signJson(kit, buildClaimsCase(kit, breakers, payloadNoise, headerNoise));
            const res = await me(`Bearer ${token}`);
            assertRefusal(res, false);
            expect(`${challengeOf(res)}${res.body}`).not.toContain(segmentsOf(token)[2]);
            const optional = await get(`${app.url}/optional`, { authorization: `Bearer ${token}` });
            expect({ status: optional.status, body: optional.json() }).toEqual({ status: 200, body: { user: null } });
          },
        ),
        { numRuns: RUNS.wrongClaims, seed: FUZZ_SEED },
      );
      await healthy();
    },
  );

  it(
    `genuinely signed valid tokens with arbitrary extra claims and header fields (${RUNS.validWithNoise} runs)`,
    { timeout: PROPERTY_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(noise, noise, fc.string({ maxLength: 30 }), async (payloadNoise, headerNoise, username) => {
          count(`valid with noise (${adapter})`);
          const testCase = buildClaimsCase(kit, [], payloadNoise, headerNoise);
          (testCase.payload as Record<string, unknown>).username = username;
          const token = signJson(kit, testCase);
          const res = await me(`Bearer ${token}`);
          expect({ status: res.status, challenge: challengeOf(res) }).toEqual({ status: 200, challenge: undefined });
          expect(res.json()).toMatchObject({ username, sub: (testCase.payload as Record<string, unknown>).sub });
        }),
        { numRuns: RUNS.validWithNoise, seed: FUZZ_SEED },
      );
      await healthy();
    },
  );
});

describe('fuzz totals', () => {
  it('ran the planned number of inputs', () => {
    const total = Object.entries(counts)
      .filter(([name]) => !name.includes('accepted'))
      .reduce((sum, [, n]) => sum + n, 0);
    console.info(`[fuzz] seed ${FUZZ_SEED}, ${total} inputs: ${JSON.stringify(counts, null, 1)}`);
    const planned = ADAPTERS.length * Object.values(RUNS).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(planned);
  });
});

describe('signature encoding: only canonical base64url', () => {
  const { kit, app } = useSampleApp('express');

  it('refuses a non-canonical spelling of a genuine signature, and a different signature', async () => {
    const token = kit.accessToken();
    const [h, p, s] = segmentsOf(token);
    // 256 signature bytes → 342 characters; the last one carries 2 bits, 4 are padding bits.
    const last = BASE64URL.indexOf(s.at(-1)!);
    const sameBits = BASE64URL[(last & 0b110000) | ((last + 1) & 0b001111)]!;
    const otherBits = BASE64URL[(last + 0b010000) & 0b111111]!;
    const nonCanonical = `${h}.${p}.${s.slice(0, -1)}${sameBits}`;
    const different = `${h}.${p}.${s.slice(0, -1)}${otherBits}`;
    expect(Buffer.from(segmentsOf(nonCanonical)[2], 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
    expect((await get(`${app.url}/me`, { authorization: `Bearer ${token}` })).status).toBe(200);
    const same = await get(`${app.url}/me`, { authorization: `Bearer ${nonCanonical}` });
    expect(same.status).toBe(401);
    expect(same.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token signature is not canonical base64url"',
    );
    assertRefusal(await get(`${app.url}/me`, { authorization: `Bearer ${different}` }), false);
  });
});
