// The many-tenant scenario: the sample app with a `userPools` resolver answering from memory for
// `--tenants` pools (1,000 by default), each with its own issuer and key-set URL, next to the
// sample app with its one static pool, in one server child (tenant-apps.mjs). Both get cached
// tokens: one per tenant, and as many of the static pool, sent in turn. Reports the tenant app's
// req/s over the static app's (the median of paired slices) and the RSS the tenants added.
import { createServer } from 'node:http';
import { runLoad } from './load.mjs';
import { startSampleApp } from './server.mjs';
import { tenantPoolIds } from './tenant-pools.mjs';

const TENANT_APPS_MAIN = new URL('./tenant-apps.mjs', import.meta.url).pathname;
export const TENANT_GOAL = 0.97;
/** Connections of the unmeasured first turn, where every request resolves a new pool. */
const FIRST_TURN_CONNECTIONS = 8;
/** Requests a slice may send at most: the tokens of a slice are this many turns of the rotation. */
const MAX_REQUESTS_PER_SECOND = 40_000;

/**
 * One adapter: starts the key-set server and the server child, sends every tenant's token once
 * (each pool resolved, its keys downloaded, its token cached), then alternates slices of the two
 * apps for `duration` seconds each.
 */
export async function runTenantBench(kit, adapter, options, log) {
  const keySets = await startKeySetServer(kit.jwks);
  const ids = tenantPoolIds(options.tenants);
  const tenantTokens = ids.map((id, index) =>
    kit.accessToken({ iss: `${keySets.origin}/${id}`, jti: `bench-${index}` }),
  );
  const staticTokens = ids.map((_, index) => kit.accessToken({ jti: `bench-${index}` }));
  log(
    `${adapter}: many tenants: ${ids.length} pools behind a resolver vs one static pool, in one process (scripts/bench/tenant-apps.mjs)`,
  );
  const server = await startSampleApp(kit, {
    adapter,
    apps: ['sample', 'tenants'],
    main: TENANT_APPS_MAIN,
    env: { BENCH_TENANTS: String(ids.length), BENCH_TENANT_ORIGIN: keySets.origin },
  });
  try {
    const target = (app) => ({ url: server.urls[app], path: '/me', connections: options.connections, server });
    // The static app first: the key-set download client is then loaded, and is not counted as the tenants'.
    assertClean(
      await runLoad({ ...target('sample'), amount: ids.length, distinct: { tokens: staticTokens, cursor: 0 } }),
      `${adapter} tenants: the static app's tokens`,
    );
    const before = server.memory();
    // Fewer connections: each of these requests resolves a pool and downloads its key set.
    const firstTurn = await runLoad({
      ...target('tenants'),
      connections: FIRST_TURN_CONNECTIONS,
      amount: ids.length,
      distinct: { tokens: tenantTokens, cursor: 0 },
    });
    assertClean(firstTurn, `${adapter} tenants: first token of each tenant`);
    const afterTenants = server.memory();
    const downloads = keySets.requests;
    const rotation = { sample: staticTokens, tenants: tenantTokens };
    const slice = (app, duration) =>
      runLoad({ ...target(app), duration, distinct: { tokens: turns(rotation[app], duration), cursor: 0 } });
    if (options.warmup > 0)
      for (const app of ['sample', 'tenants']) assertClean(await slice(app, options.warmup), `${adapter} warm-up`);
    const rounds = Math.max(2, Math.round(options.duration / options.slice));
    const seconds = options.duration / rounds;
    const runs = { sample: [], tenants: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const app of round % 2 === 0 ? ['sample', 'tenants'] : ['tenants', 'sample']) {
        const run = await slice(app, seconds);
        assertClean(run, `${adapter} tenants slice`);
        runs[app].push(run);
      }
    }
    const ratios = runs.tenants.map((run, round) => run.reqPerSec / runs.sample[round].reqPerSec).sort((a, b) => a - b);
    return {
      tenants: ids.length,
      rounds,
      ratio: median(ratios),
      ratioQuartiles: [
        ratios[Math.floor(ratios.length / 4)],
        ratios[Math.min(ratios.length - 1, Math.floor((3 * ratios.length) / 4))],
      ],
      tenantReqPerSec: total(runs.tenants),
      staticReqPerSec: total(runs.sample),
      exhausted: [...runs.tenants, ...runs.sample].some((run) => run.exhausted),
      rssBeforeMiB: before.rssMiB,
      rssAfterTenantsMiB: afterTenants.rssMiB,
      rssAddedByTenantsMiB: afterTenants.rssMiB - before.rssMiB,
      keySetDownloads: downloads,
      keySetDownloadsWhileMeasured: keySets.requests - downloads,
    };
  } finally {
    await server.stop();
    await keySets.close();
  }
}

export function tenantGoal(adapter, t) {
  return {
    adapter,
    goal: 'cached token of any of many tenants vs one static pool',
    ratio: t.ratio,
    target: TENANT_GOAL,
    met: t.ratio >= TENANT_GOAL && !t.exhausted,
    text:
      `${adapter}: ${t.tenants.toLocaleString('en-US')} tenants behind a resolver, a cached token of any of them: ${pct(t.ratio)} ` +
      `(middle half of rounds ${pct(t.ratioQuartiles[0])}–${pct(t.ratioQuartiles[1])}) of the static single-pool app's req/s ` +
      `(goal ≥ ${pct(TENANT_GOAL)}; ${Math.round(t.tenantReqPerSec)} vs ${Math.round(t.staticReqPerSec)} req/s); ` +
      `RSS +${t.rssAddedByTenantsMiB.toFixed(1)} MiB for the tenants (pools, key sets, a cached token each); ` +
      `${t.keySetDownloads} key-set downloads, ${t.keySetDownloadsWhileMeasured} while measured`,
  };
}

/** Enough turns of `tokens` for `seconds` of requests: each request takes the next, round and round. */
function turns(tokens, seconds) {
  const length = Math.ceil(MAX_REQUESTS_PER_SECOND * seconds) + tokens.length;
  return Array.from({ length }, (_, index) => tokens[index % tokens.length]);
}

/** Serves one key set at every `/<pool id>/.well-known/jwks.json`, counting the downloads. */
async function startKeySetServer(jwks) {
  const body = JSON.stringify(jwks);
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    if (!/^\/[\w-]+\/\.well-known\/jwks\.json$/.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    state.requests += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function assertClean(result, what) {
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(
      `${what}: non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts} (${JSON.stringify(result.statusCodes)})`,
    );
  }
}

function median(sorted) {
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function total(runs) {
  const requests = runs.reduce((sum, run) => sum + run.total, 0);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  return (requests / elapsedMs) * 1000;
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`;
}
