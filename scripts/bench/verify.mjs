// Verification alone, in-process, no HTTP: the same distinct tokens through
//  - raw crypto.verify('RSA-SHA256') (split at the last dot, base64url-decode the signature, verify),
//  - aws-jwt-verify's JwtRsaVerifier (JWKS pre-cached with cacheJwks; verify() and verifySync()),
//  - the module's own path: CognitoAuthGuard.canActivate() from dist, token cache off,
// plus the module's cache-hit path (one token, cache on) for reference.
import 'reflect-metadata';
import { verify as cryptoVerify } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { NestFactory } from '@nestjs/core';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { CognitoAuthGuard, CognitoAuthModule } from '../../dist/index.js';

const WARMUP_TOKENS = 500;

/** A minimal HTTP ExecutionContext around a request carrying `token`. */
function fakeContext(token, handler, cls) {
  // A flat string, as Node's HTTP parser gives: a template literal would be a rope that the
  // guard's first slice flattens, a copy no real request pays.
  const value = Buffer.from(`Bearer ${token}`, 'latin1').toString('latin1');
  const req = { method: 'GET', url: '/me', headers: { authorization: value }, rawHeaders: ['Authorization', value] };
  const res = { headersSent: false, setHeader() {}, getHeader() {} };
  const args = [req, res, () => {}];
  return {
    req,
    context: {
      getType: () => 'http',
      getClass: () => cls,
      getHandler: () => handler,
      getArgs: () => args,
      getArgByIndex: (index) => args[index],
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res, getNext: () => args[2] }),
      switchToRpc: () => { throw new Error('not rpc'); },
      switchToWs: () => { throw new Error('not ws'); },
    },
  };
}

class BenchController {
  me() {}
}

async function createGuard(kit, tokenCacheMaxEntries) {
  const app = await NestFactory.createApplicationContext(
    CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenCacheMaxEntries, globalGuard: false }),
    { logger: false },
  );
  return { app, guard: app.get(CognitoAuthGuard) };
}

async function guardVerify(guard, tokens) {
  const calls = tokens.map((token) => fakeContext(token, BenchController.prototype.me, BenchController));
  const started = performance.now();
  for (const { context, req } of calls) {
    let verdict = guard.canActivate(context);
    // A cached token is admitted synchronously; awaiting it would time a microtask, not the guard.
    if (verdict instanceof Promise) verdict = await verdict;
    if (verdict !== true || typeof req.user?.sub !== 'string') {
      throw new Error('the module refused a valid token');
    }
  }
  return performance.now() - started;
}

/** @returns {Promise<Array<{name: string, run: (tokens: string[]) => Promise<number>, close?: () => Promise<void>}>>} */
async function createMethods(kit) {
  const publicKey = kit.currentKey.publicKey;
  const raw = {
    name: 'raw crypto.verify',
    async run(tokens) {
      const started = performance.now();
      for (const token of tokens) {
        const dot = token.lastIndexOf('.');
        const ok = cryptoVerify('RSA-SHA256', Buffer.from(token.slice(0, dot)), publicKey, Buffer.from(token.slice(dot + 1), 'base64url'));
        if (!ok) throw new Error('raw verify failed');
      }
      return performance.now() - started;
    },
  };

  const verifier = JwtRsaVerifier.create({
    issuer: kit.issuer,
    audience: null,
    jwksUri: kit.jwksUri,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'access' || payload.client_id !== kit.clientId) throw new Error('wrong token_use/client_id');
    },
  });
  verifier.cacheJwks(kit.jwks);
  const awsAsync = {
    name: 'aws-jwt-verify verify()',
    async run(tokens) {
      const started = performance.now();
      for (const token of tokens) await verifier.verify(token);
      return performance.now() - started;
    },
  };
  const awsSync = {
    name: 'aws-jwt-verify verifySync()',
    async run(tokens) {
      const started = performance.now();
      for (const token of tokens) verifier.verifySync(token);
      return performance.now() - started;
    },
  };

  const cold = await createGuard(kit, 0);
  const moduleCold = {
    name: 'module guard, cache off',
    module: true,
    run: (tokens) => guardVerify(cold.guard, tokens),
    close: () => cold.app.close(),
  };

  const warm = await createGuard(kit, 10_000);
  const moduleHit = {
    name: 'module guard, cache hit',
    run: (tokens) => guardVerify(warm.guard, new Array(tokens.length).fill(tokens[0])),
    close: () => warm.app.close(),
  };
  return [raw, awsAsync, awsSync, moduleCold, moduleHit];
}

/**
 * @param kit CognitoTestKit; @param tokens distinct valid tokens; @param rounds median over rounds
 * @param profile when true, the module's cold path (cache off) is CPU-profiled during extra rounds
 */
export async function runVerificationBench(kit, tokens, { rounds, profile }) {
  const fetchesBefore = kit.jwksRequestCount;
  const methods = await createMethods(kit);
  try {
    const warmup = tokens.slice(0, Math.min(WARMUP_TOKENS, tokens.length));
    for (const method of methods) await method.run(warmup);
    const samples = new Map(methods.map((method) => [method.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order so that no method always runs right after the same neighbour.
      const order = methods.map((_, i) => methods[(i + round) % methods.length]);
      for (const method of order) samples.get(method.name).push(((await method.run(tokens)) * 1000) / tokens.length);
    }
    const rawUs = median(samples.get(methods[0].name));
    const rows = methods.map((method) => {
      const all = samples.get(method.name);
      const us = median(all);
      return {
        method: method.name,
        usPerToken: us,
        tokensPerSec: 1e6 / us,
        rateVsRaw: rawUs / us,
        overheadUsVsRaw: us - rawUs,
        roundsUs: all,
      };
    });
    let cpuProfile;
    if (profile) {
      const moduleCold = methods.find((method) => method.module);
      cpuProfile = await profileWhile(async () => {
        for (let i = 0; i < Math.max(2, rounds); i += 1) await moduleCold.run(tokens);
      });
    }
    return { tokens: tokens.length, rounds, rows, jwksFetches: kit.jwksRequestCount - fetchesBefore, cpuProfile };
  } finally {
    for (const method of methods) await method.close?.();
  }
}

async function profileWhile(fn) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  let profile;
  try {
    await fn();
  } finally {
    ({ profile } = await session.post('Profiler.stop'));
    session.disconnect();
  }
  return profile;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
