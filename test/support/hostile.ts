/**
 * Helpers of the hostile-input suites: hand-made JWS tokens with any algorithm, a probe
 * app, a request-counting loopback server, a boot helper that lets start-up errors reject, and
 * the assertions on RFC 6750 challenges.
 */
import { createHmac, randomBytes, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { ModuleMetadata } from '@nestjs/common';
import { Controller, Get } from '@nestjs/common';
import {
  type CognitoAuthOptions,
  CognitoAuthModule,
  type CognitoUser,
  CurrentUser,
  Groups,
  Public,
} from 'nestjs-cognito-auth';
import { base64url, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { expect } from 'vitest';
import type { HttpResult } from './http.js';
import { startStubServer, type StubServer } from './auth-e2e.js';
import { startApp } from './test-app.js';

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/** A JSON value or raw bytes/string, encoded as one base64url segment. */
export function segment(value: unknown): string {
  if (typeof value === 'string' || value instanceof Uint8Array) return base64url(value);
  return base64url(JSON.stringify(value) ?? '');
}

export type JwsAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'HS256' | 'HS384' | 'HS512' | 'ES256' | 'EdDSA';

/**
 * Signs `header.payload` with a real implementation of `algorithm` (not RS256 whatever the
 * header says, unlike the kit's `sign`): an HMAC secret for HS*, an RSA/EC/Ed25519 private key
 * otherwise. So if the library ever accepted the algorithm, the signature would verify.
 */
export function signWith(
  algorithm: JwsAlgorithm,
  header: unknown,
  payload: unknown,
  key: KeyObject | Buffer | string,
): string {
  const input = `${segment(header)}.${segment(payload)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if (algorithm.startsWith('HS')) {
    signature = createHmac(`sha${algorithm.slice(2)}`, key as Buffer | string)
      .update(data)
      .digest();
  } else if (algorithm.startsWith('RS')) {
    signature = cryptoSign(`sha${algorithm.slice(2)}`, data, key as KeyObject);
  } else if (algorithm.startsWith('PS')) {
    const bits = Number(algorithm.slice(2));
    signature = cryptoSign(`sha${bits}`, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: bits / 8,
    });
  } else if (algorithm === 'ES256') {
    signature = cryptoSign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  } else {
    signature = cryptoSign(null, data, key as KeyObject);
  }
  return `${input}.${base64url(signature)}`;
}

/** The three segments of a compact token. */
export function segmentsOf(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.');
  return [header!, payload!, signature!];
}

/** The decoded header and payload of a token the kit minted. */
export function partsOf(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = segmentsOf(token);
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

/** A random kid that no key set has. */
export function randomKid(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export { nowSeconds } from './auth-e2e.js';

// ---------------------------------------------------------------------------------------------
// A probe app: one protected route, one public, one optional-auth, one for the admin group
// ---------------------------------------------------------------------------------------------

@Controller()
export class ProbeController {
  @Get('protected')
  protectedRoute(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub, username: user.username };
  }

  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Public()
  @Get('optional')
  optional(@CurrentUser() user: CognitoUser | null | undefined) {
    return { user: user ? { sub: user.sub } : null };
  }

  @Groups('admin')
  @Get('admin')
  admin(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}

/** Module metadata of a probe app with the given module options. */
export function probeModule(options: CognitoAuthOptions): ModuleMetadata {
  return { imports: [CognitoAuthModule.forRoot(options)], controllers: [ProbeController] };
}

/** Module options of a kit with small key-set timings, for the JWKS suites. */
export function fastJwksOptions(kit: CognitoTestKit, overrides: Partial<CognitoAuthOptions> = {}): CognitoAuthOptions {
  return { ...kit.moduleOptions(), jwksRefetchIntervalMs: 500, jwksTimeoutMs: 400, ...overrides };
}

/** Kept for the suites that name it: `startApp` rejects on boot errors and cleans up. */
export const bootApp = startApp;

// ---------------------------------------------------------------------------------------------
// A loopback server that counts every request (jku / x5u targets, dead endpoints)
// ---------------------------------------------------------------------------------------------

export type CountingServer = StubServer;

/** Answers every request with an empty key set and records it. */
export function startCountingServer(): Promise<CountingServer> {
  return startStubServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"keys":[]}');
  });
}

/** A loopback URL where nothing listens (a port that was just released). */
export async function deadUrl(path = '/jwks.json'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Assertions on answers
// ---------------------------------------------------------------------------------------------

/** `Bearer error="invalid_token", error_description="…"` with a non-empty, well-formed description. */
export const INVALID_TOKEN_CHALLENGE =
  /^Bearer (?:realm="[^"\\]*", )?error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]+"$/;
/** The bare challenge of a request without credentials. */
export const BARE_CHALLENGE = /^Bearer(?: realm="[^"\\]*")?$/;
export const INVALID_REQUEST_CHALLENGE =
  /^Bearer (?:realm="[^"\\]*", )?error="invalid_request", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]+"$/;

export function challengeOf(res: HttpResult): string | undefined {
  const value = res.headers['www-authenticate'];
  return Array.isArray(value) ? value.join('\n') : value;
}

/** 401 with an invalid_token challenge (any description), and neither the header nor the body echoes the token or its segments. */
export function expectInvalidTokenNotEchoed(res: HttpResult, token?: string): void {
  expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
    status: 401,
    challenge: expect.stringMatching(INVALID_TOKEN_CHALLENGE),
  });
  if (token) expectNoTokenIn(res, token);
}

export function expectNoCredentials(res: HttpResult): void {
  expect({ status: res.status, challenge: challengeOf(res) }).toEqual({
    status: 401,
    challenge: expect.stringMatching(BARE_CHALLENGE),
  });
}

/** A malformed request is 400 invalid_request or 401 invalid_token, as the status says. */
export function expectInvalidRequest(res: HttpResult): void {
  const challenge = challengeOf(res);
  if (res.status === 400) expect(challenge).toMatch(INVALID_REQUEST_CHALLENGE);
  else {
    expect(res.status).toBe(401);
    expect(challenge).toMatch(INVALID_TOKEN_CHALLENGE);
  }
}

/** 503 with a positive integer Retry-After and no challenge. */
export function expectKeySetUnavailable(res: HttpResult): void {
  expect({ status: res.status, retryAfter: res.headers['retry-after'], challenge: challengeOf(res) }).toEqual({
    status: 503,
    retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
    challenge: undefined,
  });
}

/** The token and each of its (non-trivial) segments are absent from the answer. */
export function expectNoTokenIn(res: HttpResult, token: string): void {
  const answer = `${challengeOf(res) ?? ''}\n${res.body}`;
  for (const needle of secretFragments(token)) expect(answer).not.toContain(needle);
}

/** The token, and its segments long enough not to match by chance. */
export function secretFragments(token: string): string[] {
  return [token, ...token.split('.').filter((part) => part.length >= 12)];
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/** A full GC (exposed at run time, no CLI flag needed), then heapUsed. */
export function heapUsedAfterGc(): number {
  fullGc();
  fullGc();
  return process.memoryUsage().heapUsed;
}

let gcFunction: (() => void) | undefined;
function fullGc(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/** Runs `task` over `items` with at most `concurrency` in flight; results in order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export { setTimeout as sleep } from 'node:timers/promises';
