/**
 * Tokens are never logged, and descriptions never contain the token or keys.
 *
 * Runs a representative mix (genuine, invalid, hostile tokens, key-set failures with and
 * without cached keys, a careless custom check) through apps whose logger keeps every line,
 * while also recording everything written to stdout/stderr. Then scans all of it, and every
 * response body and WWW-Authenticate header, for tokens, token segments and key material.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { createCognitoTestKit, type CognitoTestKit, type TestSigningKey } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { get, type HttpResult } from './support/http.js';
import {
  challengeOf,
  partsOf,
  probeModule,
  randomKid,
  segment,
  signWith,
  sleep,
  startCountingServer,
  type CountingServer,
} from './support/hostile.js';
import { type RunningApp, startApp, startSampleApp } from './support/test-app.js';

/** Every token sent and every answer received, for the scan. */
const sentTokens = new Set<string>();
const answers: Array<{ what: string; token?: string; res: HttpResult }> = [];
const written: string[] = [];
const appsSeen: RunningApp[] = [];

let kit: CognitoTestKit;
let attacker: TestSigningKey;
let counting: CountingServer;

async function send(
  app: RunningApp,
  what: string,
  token: string | undefined,
  path = '/protected',
  extraHeaders: Record<string, string | string[]> = {},
) {
  if (token !== undefined) sentTokens.add(token);
  const headers = token === undefined ? extraHeaders : { authorization: `Bearer ${token}`, ...extraHeaders };
  let res: HttpResult;
  try {
    res = await get(`${app.url}${path}`, headers);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error;
    res = { status: 0, headers: {}, body: '', json: <T>() => undefined as T };
  }
  answers.push({ what, token, res });
  return res;
}

/** Strings that must never show up: tokens, their segments, key material. */
function secrets(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const token of sentTokens) {
    if (token.length >= 16) found.push(['a token', token]);
    for (const [i, part] of token.split('.').entries()) {
      if (part.length >= 16) found.push([`token segment ${i}`, part]);
    }
  }
  const keyMaterial = (label: string, key: { privateKey: KeyObject; publicJwk: { n: string } }) => {
    const priv = key.privateKey.export({ format: 'jwk' }) as Record<string, string>;
    found.push([`${label} modulus n`, key.publicJwk.n]);
    // Any 40-character window of the modulus is enough to call it a leak.
    found.push([`${label} modulus n (start)`, key.publicJwk.n.slice(0, 40)]);
    found.push([`${label} modulus n (end)`, key.publicJwk.n.slice(-40)]);
    for (const field of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      found.push([`${label} private ${field}`, priv[field]!.slice(0, 40)]);
    const pem = String(key.privateKey.export({ type: 'pkcs8', format: 'pem' })).split('\n')[1]!;
    found.push([`${label} private PEM line`, pem]);
  };
  keyMaterial('pool key', kit.currentKey);
  keyMaterial('attacker key', attacker);
  found.push(['a PEM header', '-----BEGIN']);
  return found;
}

describe('no token and no key material in logs, bodies or challenges', () => {
  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }
    kit = await createCognitoTestKit();
    attacker = kit.generateKey();
    counting = await startCountingServer();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await counting?.close();
    await kit?.close();
  });

  it('drives the mix: the sample app with genuine, invalid and hostile tokens', async () => {
    const app = await startSampleApp(kit);
    appsSeen.push(app);
    try {
      const pem = kit.currentKey.publicKey.export({ type: 'spki', format: 'pem' });
      const claims = partsOf(kit.accessToken()).payload;
      const header = { alg: 'RS256', kid: kit.currentKey.kid };
      const hostile: Array<[string, string]> = [
        ['genuine', kit.accessToken()],
        ['genuine admin', kit.accessToken({ 'cognito:groups': ['admin'] })],
        ['expired', kit.accessToken({ exp: 1 })],
        ['not yet valid', kit.accessToken({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
        ['wrong client', kit.accessToken({ client_id: 'someone-else' })],
        ['id token', kit.idToken()],
        ['alg none', `${segment({ ...header, alg: 'none' })}.${segment(claims)}.`],
        ['alg none signed', kit.accessToken({}, { header: { alg: 'none' } })],
        ['HS256 confusion', signWith('HS256', { ...header, alg: 'HS256' }, claims, pem)],
        ['kid object', kit.accessToken({}, { header: { kid: { x: 1 } } })],
        ['crit', kit.accessToken({}, { header: { crit: ['exp'] } })],
        ['jku', kit.accessToken({}, { key: attacker, header: { jku: `${counting.url}/jwks.json` } })],
        ['embedded jwk', kit.accessToken({}, { key: attacker, header: { jwk: attacker.publicJwk } })],
        ['attacker under our kid', kit.accessToken({}, { key: attacker, header: { kid: kit.currentKey.kid } })],
        [
          'tampered',
          (() => {
            const [h, , s] = kit.accessToken().split('.');
            return `${h}.${segment({ ...claims, sub: 'evil' })}.${s}`;
          })(),
        ],
        ['payload not JSON', `${segment(header)}.${segment('not json')}.${'s'.repeat(40)}`],
        ['wrong claim types', kit.accessToken({ exp: '9999999999', 'cognito:groups': 'admin' })],
        ['4 segments', `${kit.accessToken()}.extra-segment-here`],
        [
          'HMAC junk',
          `${segment(header)}.${segment(claims)}.${createHmac('sha256', 'k').update('x').digest('base64url')}`,
        ],
      ];
      for (const [what, token] of hostile) {
        await send(app, what, token, '/me');
        await send(app, `${what} (optional)`, token, '/optional');
        await send(app, `${what} (admin)`, token, '/admin');
      }
      for (let i = 0; i < 20; i++)
        await send(app, 'unknown kid', kit.accessToken({}, { header: { kid: randomKid() } }), '/me');
      const genuine = kit.accessToken();
      await send(app, 'duplicate headers', genuine, '/me', {
        authorization: [`Bearer ${genuine}`, `Bearer ${kit.accessToken()}`],
      });
      await send(app, 'lowercase scheme', undefined, '/me', { authorization: `bearer ${genuine}` });
      await send(app, 'huge', kit.accessToken({ pad: 'p'.repeat(20_000) }), '/me');
      await send(app, 'query string', undefined, `/me?access_token=${genuine}`);
      expect(answers.filter((a) => a.res.status >= 500)).toEqual([]);
      expect(answers.some((a) => a.res.status === 200)).toBe(true);
      expect(answers.some((a) => a.res.status === 401)).toBe(true);
      expect(counting.requests).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('drives the mix: key-set failures, with and without cached keys, and a careless custom check', async () => {
    const app = await startApp(
      probeModule({
        ...kit.moduleOptions(),
        jwksRefetchIntervalMs: 100,
        jwksTimeoutMs: 200,
        tokenCacheMaxEntries: 0,
        // A hook that puts the raw token in its error message: the module must not repeat it.
        customCheck: ({ payload }) => {
          if (payload.username === 'refuse-me')
            throw new Error(`refused ${JSON.stringify(payload)} ${[...sentTokens].at(-1)}`);
        },
      }),
      { adapter: 'fastify' },
    );
    appsSeen.push(app);
    try {
      // No cached key yet and a failing endpoint: 503.
      kit.setJwksBehaviour('error-500');
      expect((await send(app, 'cold + 500', kit.accessToken())).status).toBe(503);
      kit.setJwksBehaviour('ok');
      await sleep(120);
      expect((await send(app, 'recovered', kit.accessToken())).status).toBe(200);
      expect((await send(app, 'custom check refuses', kit.accessToken({ username: 'refuse-me' }))).status).toBe(401);
      for (const fault of [
        'error-500',
        'garbage',
        'reset',
        'hang',
        'empty',
        {
          status: 200,
          body: JSON.stringify({
            keys: [{ kty: 'RSA', kid: 'x', n: kit.currentKey.publicJwk.n, e: 'AQAB', use: 'enc' }],
          }),
        },
      ] as const) {
        kit.setJwksBehaviour(fault);
        await sleep(120);
        const what = `cached + ${typeof fault === 'string' ? fault : 'unusable keys'}`;
        expect(
          (await send(app, `${what} (unknown kid)`, kit.accessToken({}, { header: { kid: randomKid() } }))).status,
        ).toBe(503);
        expect((await send(app, what, kit.accessToken())).status).toBe(200);
      }
      kit.setJwksBehaviour('ok');
      await sleep(120);
      // The failures were logged: the scan below has something to read.
      expect(app.logs.lines.some((line) => /Could not download the key set/.test(line))).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('best-effort preload failure logs without secrets', async () => {
    kit.setJwksBehaviour('error-500');
    const app = await startApp(probeModule({ ...kit.moduleOptions(), preloadKeys: 'best-effort', jwksTimeoutMs: 200 }));
    appsSeen.push(app);
    try {
      expect(app.logs.lines.some((line) => /preload failed/i.test(line))).toBe(true);
      await send(app, 'after preload failure', kit.accessToken());
    } finally {
      kit.setJwksBehaviour('ok');
      await app.close();
    }
  });

  it('no log line and no stdout/stderr output contains a token, a token segment or key material', () => {
    const logLines = appsSeen.flatMap((app) => app.logs.lines);
    expect(logLines.length).toBeGreaterThan(0);
    expect(sentTokens.size).toBeGreaterThan(50);
    const corpus = [...logLines, ...written];
    const leaks: string[] = [];
    for (const [label, secret] of secrets()) {
      const line = corpus.find((text) => text.includes(secret));
      if (line) leaks.push(`${label} in: ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it('no response body and no WWW-Authenticate header contains a token or a token segment', () => {
    expect(answers.length).toBeGreaterThan(50);
    const leaks: string[] = [];
    for (const { what, res } of answers) {
      const answer = `${challengeOf(res) ?? ''}\n${res.headers['retry-after'] ?? ''}\n${res.body}`;
      for (const token of sentTokens) {
        for (const part of [token, ...token.split('.')]) {
          // The sample app's /me returns the user's claims: that is data, not a token segment.
          if (part.length >= 16 && answer.includes(part)) leaks.push(`${what}: ${part.slice(0, 24)}…`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});
