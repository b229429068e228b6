// Verification alone, in-process, no HTTP, over distinct tokens (CPU time of this process).
// Every method gets each token in a new fake request (in-process.mjs), built inside the timed
// loop, so each row includes the same cost of a request and the differences are the methods':
//  - raw crypto.verify('RSA-SHA256'): reads the bearer token, splits it at the last dot,
//    base64url-decodes the signature, verifies: the RSA check itself;
//  - aws-jwt-verify's CognitoJwtVerifier (key set cached with cacheJwks; verify() and verifySync());
//  - the module's guard (CognitoAuthGuard.canActivate() from dist) on a new token, as a server
//    sees it: the cache on (default size) and full, each round bringing tokens it has never seen;
//  - the module's guard with the cache off;
//  - the module's guard on a cache hit (one token).
import { Session } from 'node:inspector/promises';
import { verify as cryptoVerify } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { bearerOf, createGuard, guardHandler, timeRequests } from './in-process.mjs';

/** The module's default tokenCacheMaxEntries: the "cache full" guard is filled with this many tokens first. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

export const METHOD = {
  raw: 'raw crypto.verify',
  awsAsync: 'aws-jwt-verify verify()',
  awsSync: 'aws-jwt-verify verifySync()',
  moduleNew: 'module guard, new token (cache full)',
  moduleOff: 'module guard, cache off',
  moduleHit: 'module guard, cache hit',
};

/** How many pool tokens runVerificationBench needs for `count` tokens per round. */
export function verificationTokensNeeded(count, rounds) {
  return DEFAULT_CACHE_ENTRIES + count * (rounds + 1);
}

/**
 * Every method but the cache hit gets the same tokens in a round, new to the process (round -1,
 * the warm-up, gets its own): then no method reads tokens another has just brought into the CPU
 * caches more than the others do, and the module's guard with the cache full only ever sees
 * tokens it has not cached.
 * @returns {Promise<Array<{name: string, run: (round: number) => Promise<number>, warm?: () => Promise<number>, close?: () => Promise<void>}>>}
 */
async function createMethods(kit, allTokens, count) {
  const fill = allTokens.slice(count, count + DEFAULT_CACHE_ENTRIES);
  const firstRoundAt = count + DEFAULT_CACHE_ENTRIES;
  const tokensOf = (round) =>
    round < 0
      ? allTokens.slice(0, count)
      : allTokens.slice(firstRoundAt + round * count, firstRoundAt + (round + 1) * count);
  const publicKey = kit.currentKey.publicKey;
  const raw = {
    name: METHOD.raw,
    run: (round) =>
      timeRequests(tokensOf(round), (_context, req) => {
        const token = bearerOf(req);
        const dot = token.lastIndexOf('.');
        const signature = Buffer.from(token.slice(dot + 1), 'base64url');
        if (!cryptoVerify('RSA-SHA256', Buffer.from(token.slice(0, dot), 'latin1'), publicKey, signature)) {
          throw new Error('raw verify failed');
        }
      }),
  };

  const verifier = CognitoJwtVerifier.create({
    userPoolId: kit.userPoolId,
    tokenUse: 'access',
    clientId: kit.clientId,
  });
  verifier.cacheJwks(kit.jwks);
  const awsAsync = {
    name: METHOD.awsAsync,
    run: (round) => timeRequests(tokensOf(round), (_context, req) => verifier.verify(bearerOf(req))),
  };
  const awsSync = {
    name: METHOD.awsSync,
    run: (round) =>
      timeRequests(tokensOf(round), (_context, req) => {
        verifier.verifySync(bearerOf(req));
      }),
  };

  // Filled with DEFAULT_CACHE_ENTRIES tokens no round uses, then it only sees tokens new to it.
  const full = await createGuard(kit.moduleOptions(), DEFAULT_CACHE_ENTRIES);
  const moduleNew = {
    name: METHOD.moduleNew,
    module: true,
    warm: () => timeRequests(fill, guardHandler(full.guard)),
    run: (round) => timeRequests(tokensOf(round), guardHandler(full.guard)),
    close: () => full.app.close(),
  };

  const cold = await createGuard(kit.moduleOptions(), 0);
  const moduleOff = {
    name: METHOD.moduleOff,
    run: (round) => timeRequests(tokensOf(round), guardHandler(cold.guard)),
    close: () => cold.app.close(),
  };

  const warm = await createGuard(kit.moduleOptions(), DEFAULT_CACHE_ENTRIES);
  const oneToken = new Array(count).fill(allTokens[0]);
  const moduleHit = {
    name: METHOD.moduleHit,
    run: () => timeRequests(oneToken, guardHandler(warm.guard)),
    close: () => warm.app.close(),
  };
  return [raw, awsAsync, awsSync, moduleNew, moduleOff, moduleHit];
}

/**
 * @param kit CognitoTestKit; @param tokens distinct valid tokens, at least verificationTokensNeeded(count, rounds)
 * @param count tokens per round; @param rounds median over rounds
 * @param profile when true, the module's new-token path is CPU-profiled during one more round
 */
export async function runVerificationBench(kit, tokens, { count, rounds, profile }) {
  if (tokens.length < verificationTokensNeeded(count, rounds + (profile ? 1 : 0)))
    throw new Error('verification bench: not enough tokens');
  const fetchesBefore = kit.jwksRequestCount;
  const methods = await createMethods(kit, tokens, count);
  try {
    for (const method of methods) await (method.warm ?? method.run)(-1);
    const samples = new Map(methods.map((method) => [method.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order so that no method always runs right after the same neighbour.
      const order = methods.map((_, i) => methods[(i + round) % methods.length]);
      for (const method of order) samples.get(method.name).push(((await method.run(round)) * 1000) / count);
    }
    const rawUs = median(samples.get(METHOD.raw));
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
      const moduleNew = methods.find((method) => method.module);
      cpuProfile = await profileWhile(() => moduleNew.run(rounds));
    }
    return {
      tokens: count,
      rounds,
      cacheEntries: DEFAULT_CACHE_ENTRIES,
      rows,
      jwksFetches: kit.jwksRequestCount - fetchesBefore,
      cpuProfile,
    };
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
