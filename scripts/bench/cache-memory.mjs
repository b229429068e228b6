// Bytes per verified-token cache entry. A child process (node --expose-gc) runs `entries`
// distinct tokens through the module's guard, each in a new fake request whose Authorization
// header is a new string (as on a server), and weighs the V8 heap after full collections,
// before and after: once with the cache big enough to keep every token, once with the cache off.
// (on − off) ÷ entries is what one entry keeps alive; `off` alone is the noise floor.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WARMUP_TOKENS = 500;
const SELF = fileURLToPath(import.meta.url);

/** How many pool tokens measureCacheEntryBytes needs for `entries`. */
export function cacheMemoryTokensNeeded(entries) {
  return WARMUP_TOKENS + entries;
}

/** @returns {Promise<{entries, cacheOn: {retainedBytes, cacheSize}, cacheOff: {retainedBytes}, bytesPerEntry}>} */
export async function measureCacheEntryBytes(kit, tokens, entries) {
  const child = fork(SELF, ['--child'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const answer = new Promise((resolve, reject) => {
      child.once('message', (message) => (message.error ? reject(new Error(message.error)) : resolve(message)));
      child.once('exit', (code) => reject(new Error(`cache-memory child exited with ${code}`)));
    });
    child.send({
      moduleOptions: kit.moduleOptions(),
      tokens: tokens.slice(0, cacheMemoryTokensNeeded(entries)),
      entries,
    });
    const { cacheOn, cacheOff } = await answer;
    return { entries, cacheOn, cacheOff, bytesPerEntry: (cacheOn.retainedBytes - cacheOff.retainedBytes) / entries };
  } finally {
    child.kill();
  }
}

async function settledHeapBytes() {
  for (let i = 0; i < 4; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function weigh(moduleOptions, tokens, entries, cacheMaxEntries) {
  const { createGuard, fakeContext } = await import('./in-process.mjs');
  const { VerifiedTokenCache } = await import('../../dist/cache/verified-token.cache.js');
  const { app, guard } = await createGuard(moduleOptions, cacheMaxEntries);
  try {
    const run = async (slice) => {
      for (const token of slice) {
        const { context, req } = fakeContext(token);
        let verdict = guard.canActivate(context);
        if (verdict instanceof Promise) verdict = await verdict;
        if (verdict !== true || typeof req.user?.sub !== 'string') throw new Error('the module refused a valid token');
      }
    };
    await run(tokens.slice(0, WARMUP_TOKENS));
    const before = await settledHeapBytes();
    await run(tokens.slice(WARMUP_TOKENS, WARMUP_TOKENS + entries));
    const after = await settledHeapBytes();
    return { retainedBytes: after - before, cacheSize: app.get(VerifiedTokenCache).size };
  } finally {
    await app.close();
  }
}

if (process.argv.includes('--child')) {
  process.once('message', async ({ moduleOptions, tokens, entries }) => {
    try {
      const cacheOff = await weigh(moduleOptions, tokens, entries, 0);
      const cacheOn = await weigh(moduleOptions, tokens, entries, WARMUP_TOKENS + entries);
      if (cacheOn.cacheSize !== WARMUP_TOKENS + entries)
        throw new Error(`cache size ${cacheOn.cacheSize}, expected ${WARMUP_TOKENS + entries}`);
      process.send({ cacheOn, cacheOff });
    } catch (error) {
      process.send({ error: String(error?.stack ?? error) });
    }
  });
}
