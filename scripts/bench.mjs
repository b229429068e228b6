#!/usr/bin/env node
// `npm run bench`: the built sample app under autocannon, next to its twins in the same process
// (scripts/bench/twin-apps.mjs: control = no auth at all, raw = parse + one crypto.verify,
// aws = a guard on aws-jwt-verify), with one reused token and with a new token per request, on
// Express and Fastify; the RSS after a flood of distinct tokens (the module vs the raw twin,
// each in a fresh process); the bytes per cache entry; verification alone in process; JWKS
// fetches; the cost of metrics and of a diagnostics subscriber on a reused token
// (scripts/bench/metrics.mjs). Prints tables and the goals (met / not met), writes bench-results/bench-<timestamp>.json.
// A benchmark, not a test: the numbers depend on the machine and on what else runs on it.
// Run `node scripts/bench.mjs --help` for the flags; `npm run bench -- --quick` for a smoke run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './bench/options.mjs';
import { formatSummary, summariseProfile } from './bench/cpu-profile.mjs';
import { runLoad } from './bench/load.mjs';
import { formatGoals, formatHttp, formatMemory, formatVerification } from './bench/report.mjs';
import { httpGet, serverPlacement, startSampleApp, stopAllServers } from './bench/server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUIRED_BUILD = ['dist/index.js', 'dist/testing/index.js', 'sample-app/dist/main.js'];
/** The issuer of the bench's tokens: a real Cognito one, which CognitoJwtVerifier derives from the pool id. */
const REGION = 'us-east-1';
const USER_POOL_ID = 'us-east-1_BenchPool1';
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}`;
/** Distinct tokens minted per measured run: the warm-up rate × duration × this. */
const TOKEN_MARGIN = 1.3;

const GOAL = {
  newVsRaw: 0.85,
  newVsAws: 1.0,
  inProcessOverRawUs: 4,
  reusedVsControl: 0.97,
  rssOverRawMiB: 64,
  jwksFetchesPerProcess: 1,
};

/**
 * The scenarios: which app of the server child, which path, which token. Each phase runs its
 * scenarios in alternating slices; `twins` are the rows a sample app row is divided by.
 */
const REUSED_PHASE = [
  { scenario: 'health', app: 'sample', path: '/health' },
  { scenario: 'control-health', app: 'control', path: '/health' },
  {
    scenario: 'me-sub-one-token',
    app: 'sample',
    path: '/me/sub',
    token: 'reused',
    twins: { control: 'control-me-sub-one-token' },
  },
  { scenario: 'control-me-sub-one-token', app: 'control', path: '/me/sub', token: 'reused' },
  {
    scenario: 'me-one-token',
    app: 'sample',
    path: '/me',
    token: 'reused',
    twins: { control: 'control-me-one-token', raw: 'raw-me-one-token', aws: 'aws-me-one-token' },
  },
  { scenario: 'control-me-one-token', app: 'control', path: '/me', token: 'reused' },
  { scenario: 'raw-me-one-token', app: 'raw', path: '/me', token: 'reused' },
  { scenario: 'aws-me-one-token', app: 'aws', path: '/me', token: 'reused' },
];
const DISTINCT_PHASE = [
  {
    scenario: 'me-distinct-tokens',
    app: 'sample',
    path: '/me',
    token: 'distinct',
    twins: { raw: 'raw-me-distinct-tokens', aws: 'aws-me-distinct-tokens' },
  },
  { scenario: 'raw-me-distinct-tokens', app: 'raw', path: '/me', token: 'distinct' },
  { scenario: 'aws-me-distinct-tokens', app: 'aws', path: '/me', token: 'distinct' },
];
const ALL_APPS = ['sample', 'control', 'raw', 'aws'];

const options = parseOptions(process.argv.slice(2));
if (!options.pin) process.env.BENCH_PIN = '0';
const missing = REQUIRED_BUILD.filter((file) => !existsSync(join(ROOT, file)));
if (missing.length) {
  process.stderr.write(`bench: ${missing.join(', ')} missing; run "npm run build" first (npm run bench does)\n`);
  process.exit(2);
}

// Imported after the build check: these load dist/.
const { createCognitoTestKit } = await import('../dist/testing/index.js');
const { TokenPool } = await import('./bench/tokens.mjs');
const {
  runVerificationBench,
  verificationTokensNeeded,
  METHOD,
  DEFAULT_CACHE_ENTRIES: MODULE_CACHE_ENTRIES,
} = await import('./bench/verify.mjs');
const { measureCacheEntryBytes, cacheMemoryTokensNeeded } = await import('./bench/cache-memory.mjs');
const { runTenantBench, tenantGoal } = await import('./bench/tenants.mjs');
const { formatLambdaColdStart, runLambdaColdStart } = await import('./bench/lambda-cold-start.mjs');
const { runMetricsBench, metricsGoals } = await import('./bench/metrics.mjs');
const { runTransformBench, transformGoals } = await import('./bench/transform.mjs');

const state = { kit: undefined, pool: undefined };
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = resolve(ROOT, options.out);
const log = (text) => process.stderr.write(`${text}\n`);

try {
  process.exitCode = await main();
} catch (error) {
  log(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  const results = {
    meta: {
      timestamp: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      loadavgBefore: loadavg(),
      git: gitInfo(),
      servers: serverPlacement(),
      options,
      notes: [
        'req/s = requests completed / wall time; the load generator (autocannon) runs in this process, the server in a child process pinned to the last CPU (meta.servers) unless --no-pin',
        'twins (scripts/bench/twin-apps.mjs): the sample app with the module taken out and a stand-in global guard: control sets a fixed user (no verification), raw parses the token and does one crypto.verify with the key known in advance, aws is a guard on aws-jwt-verify CognitoJwtVerifier (verifySync, key set cached with cacheJwks); same routes, same request bytes, same /me answer (the same JSON user)',
        'one server child per adapter runs the sample app and its three twins (scripts/bench/paired-apps.mjs); first the reused-token phase, then the distinct-token phase, each in slices of about `slice` seconds visiting its scenarios forwards then backwards, after a warm-up of each',
        "vs control / vs raw / vs aws / vs /health = the median over rounds of the per-round ratio of req/s (slices of one round run back to back), robust to the machine speed drifting; the goal lines also give the middle half of the per-round ratios (first to third quartile); req/s, srv CPU µs/req and p99 are over all slices (p99: the mean of the slices' p99)",
        'distinct tokens: every app gets each token at most once; the module never sees a token twice in one process. The twins keep nothing per token. The pool is reused by the next process (fresh caches)',
        'srv CPU µs/req = user+system CPU of the server child during the slice / requests (from /proc)',
        'memory: a fresh process with the sample app alone, then one with the raw twin alone, each sent the same memoryTokens distinct tokens on /me (closed loop, `connections` connections); RSS = VmRSS at the end, peak = VmHWM',
        'bytes per cache entry: a child node --expose-gc runs cacheEntries distinct tokens through the guard (a new header string per request), heap used after full GCs, cache on minus cache off, per entry',
      ],
    },
    http: [],
    servers: {},
    memory: {},
    cacheEntry: undefined,
    verification: undefined,
    tenants: {},
    lambda: undefined,
    metrics: undefined,
    transform: undefined,
    profile: undefined,
  };
  state.kit = await createCognitoTestKit({ region: REGION, userPoolId: USER_POOL_ID, issuer: ISSUER });
  state.pool = new TokenPool(state.kit);

  if (!options.only || options.only === 'http') {
    for (const adapter of options.adapters) {
      const { rows, server } = await benchAdapter(adapter);
      results.http.push(...rows);
      results.servers[adapter] = server;
    }
  }
  if (!options.only || options.only === 'memory') {
    for (const adapter of options.adapters) results.memory[adapter] = await runMemory(adapter);
    log(`bytes per cache entry: ${options.cacheEntries} distinct tokens in a child process (--expose-gc)`);
    await state.pool.ensure(cacheMemoryTokensNeeded(options.cacheEntries));
    results.cacheEntry = await measureCacheEntryBytes(state.kit, state.pool.tokens, options.cacheEntries);
  }
  if (!options.only || options.only === 'verify') {
    log(`verification alone: ${options.verifyTokens} distinct tokens × ${options.rounds} round(s)`);
    await state.pool.ensure(verificationTokensNeeded(options.verifyTokens, options.rounds + (options.profile ? 1 : 0)));
    const { cpuProfile, ...verification } = await runVerificationBench(state.kit, state.pool.tokens, {
      count: options.verifyTokens,
      rounds: options.rounds,
      profile: options.profile,
    });
    results.verification = verification;
    if (cpuProfile) (results.profile ??= {}).moduleVerify = await saveProfile('module-verify', cpuProfile);
  }
  if (!options.only || options.only === 'tenants') {
    for (const adapter of options.adapters)
      results.tenants[adapter] = await runTenantBench(state.kit, adapter, options, log);
  }
  if (!options.only || options.only === 'lambda') {
    log(`Lambda cold starts: ${options.rounds} round(s) of fresh processes (scripts/bench/lambda-cold-start.mjs)`);
    results.lambda = await runLambdaColdStart(state.kit, { rounds: options.rounds, log });
  }
  if (!options.only || options.only === 'metrics') {
    results.metrics = await runMetricsBench(state.kit, options.adapters, options, log);
  }
  if (!options.only || options.only === 'transform') {
    results.transform = await runTransformBench(state.kit, options.adapters, options, log);
  }
  if (options.profile && (!options.only || options.only === 'http')) {
    for (const adapter of options.adapters) {
      (results.profile ??= {})[`${adapter}-distinct`] = await profileAdapter(adapter);
    }
  }
  results.meta.loadavgAfter = loadavg();
  results.meta.tokensMinted = state.pool.size;
  results.meta.tokenMintingMs = Math.round(state.pool.mintMs);
  results.goals = goals(results);

  const text = [];
  if (results.http.length) text.push(formatHttp(results.http, results.servers));
  if (Object.keys(results.memory).length) text.push(formatMemory(results.memory, results.cacheEntry));
  if (results.verification) text.push(formatVerification(results.verification));
  if (results.lambda) text.push(formatLambdaColdStart(results.lambda));
  if (results.goals.length) text.push(formatGoals(results.goals));
  for (const p of Object.values(results.profile ?? {})) text.push(p.text);
  process.stdout.write(`\n${text.join('\n\n')}\n`);

  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${stamp}.json`);
  const json = structuredClone(results);
  for (const p of Object.values(json.profile ?? {})) {
    for (const part of [p, p.sample, p.raw]) delete part?.text;
  }
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwritten ${file}`);

  const failures = results.http.filter((r) => r.non2xx || r.errors || r.timeouts || r.exhausted);
  for (const r of failures)
    log(
      `FAILED: ${r.adapter} ${r.scenario}: non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}${r.exhausted ? ', tokens exhausted' : ''}`,
    );
  return failures.length ? 1 : 0;
}

/** One server child with the sample app and its three twins: the reused-token phase, then the distinct-token phase. */
async function benchAdapter(adapter) {
  const { kit } = state;
  const reusedToken = kit.accessToken();
  const fetchesBefore = kit.jwksRequestCount;
  log(`${adapter}: starting the sample app and its twins in one process (scripts/bench/paired-apps.mjs)`);
  const server = await startSampleApp(kit, { adapter, apps: ALL_APPS, controlToken: reusedToken });
  try {
    await expectSameAnswers(server, reusedToken, ALL_APPS);
    await expectSameAnswers(server, kit.accessToken(), ['sample', 'raw', 'aws']);
    const target = (app) => ({ url: server.urls[app], connections: options.connections, server });
    const reusedLoads = Object.fromEntries(
      REUSED_PHASE.map((s) => [
        s.scenario,
        { ...target(s.app), path: s.path, ...(s.token ? { token: reusedToken } : {}) },
      ]),
    );
    if (options.warmup > 0) {
      for (const load of Object.values(reusedLoads)) await runLoad({ ...load, duration: options.warmup });
    }
    const slices = await runRounds(adapter, REUSED_PHASE, (scenario, duration) =>
      runLoad({ ...reusedLoads[scenario], duration }),
    );
    const distinct = await runDistinctPhase(server, adapter, target);
    const rows = [...REUSED_PHASE, ...DISTINCT_PHASE].map(({ scenario, app }) => ({
      adapter,
      scenario,
      app,
      ...combineRuns(slices[scenario] ?? distinct.slices[scenario]),
    }));
    compareRows(rows);
    const memory = server.memory();
    return {
      rows,
      server: {
        pid: server.pid,
        jwksFetches: kit.jwksRequestCount - fetchesBefore,
        peakRssMiB: memory.peakRssMiB,
        rssMiB: memory.rssMiB,
        distinctTokensSent: distinct.sent,
        tokenPoolSize: state.pool.size,
      },
    };
  } finally {
    await server.stop();
  }
}

/**
 * Runs `duration` seconds of each scenario in slices of about `slice` seconds, visiting the
 * scenarios in turn, forwards then backwards (A-B-C-C-B-A-A-B-C…): the machine's speed drifts
 * by tens of per cent over a minute here, and short alternating slices make that drift weigh on
 * every scenario alike; a scenario and its twins run back to back.
 */
async function runRounds(adapter, phase, runSlice) {
  const order = phase.map((s) => s.scenario);
  const rounds = Math.max(2, Math.round(options.duration / options.slice));
  const sliceSeconds = options.duration / rounds;
  const slices = Object.fromEntries(order.map((scenario) => [scenario, []]));
  log(`${adapter}: ${rounds} rounds of ${sliceSeconds} s slices: ${order.join(', ')}`);
  for (let round = 0; round < rounds; round += 1) {
    for (const scenario of round % 2 === 0 ? order : [...order].reverse()) {
      slices[scenario].push(await runSlice(scenario, sliceSeconds));
    }
  }
  return slices;
}

/**
 * /me with a new token per request, on the sample app and the raw and aws twins of the same
 * process. Each app reads the pool from its own cursor, so none gets a token twice. First the
 * module's verified-token cache is filled (MODULE_CACHE_ENTRIES new tokens): the slices measure
 * a server that has run for a while, not its first ten thousand tokens (the memory run covers
 * those). Then a warm-up of a fixed number of requests (twice) gives each app's rate, enough
 * tokens are minted for it, and the pool is topped up between slices if an app runs faster than
 * its warm-up said.
 */
async function runDistinctPhase(server, adapter, target) {
  const { pool } = state;
  const apps = DISTINCT_PHASE.map((s) => s.app);
  const cursors = Object.fromEntries(apps.map((app) => [app, { tokens: pool.tokens, cursor: 0 }]));
  const rates = {};
  await pool.ensure(MODULE_CACHE_ENTRIES + 2 * options.distinctWarmupRequests + 1);
  log(`${adapter}: filling the module's token cache (${MODULE_CACHE_ENTRIES} new tokens)`);
  const fill = await runLoad({
    ...target('sample'),
    path: '/me',
    amount: MODULE_CACHE_ENTRIES,
    distinct: cursors.sample,
  });
  assertClean(fill, `${adapter} cache fill`);
  for (const { scenario, app } of DISTINCT_PHASE) {
    for (let half = 0; half < 2; half += 1) {
      const warm = await runLoad({
        ...target(app),
        path: '/me',
        amount: options.distinctWarmupRequests,
        distinct: cursors[app],
      });
      assertClean(warm, `${adapter} ${scenario} warm-up`);
      rates[app] = warm.sendRate ?? warm.reqPerSec;
    }
  }
  const need = (app, seconds) =>
    cursors[app].cursor + Math.ceil(rates[app] * seconds * TOKEN_MARGIN) + options.connections;
  const total = Math.max(...apps.map((app) => need(app, options.duration)));
  if (pool.size < total)
    log(
      `${adapter}: minting ${total - pool.size} more tokens (warm-up rates ${apps.map((a) => `${a} ${Math.round(rates[a])}`).join(', ')} req/s)`,
    );
  await pool.ensure(total);
  const firstSent = Object.fromEntries(apps.map((app) => [app, cursors[app].cursor]));
  const appOf = Object.fromEntries(DISTINCT_PHASE.map((s) => [s.scenario, s.app]));
  const slices = await runRounds(adapter, DISTINCT_PHASE, async (scenario, duration) => {
    const app = appOf[scenario];
    for (let attempt = 1; ; attempt += 1) {
      if (pool.size < need(app, 2 * duration)) {
        log(`${adapter}: topping the token pool up for ${app}`);
        await pool.ensure(need(app, 4 * duration));
      }
      const result = await runLoad({ ...target(app), path: '/me', duration, distinct: cursors[app] });
      assertClean(result, `${adapter} ${scenario}`);
      if (!result.exhausted || attempt === 2) return result;
      rates[app] = Math.max(rates[app], result.sendRate ?? result.reqPerSec) * 1.5;
      log(`${adapter}: ${scenario} ran out of tokens in a slice; minting more and repeating the slice`);
    }
  });
  return { slices, sent: Object.fromEntries(apps.map((app) => [app, cursors[app].cursor - firstSent[app]])) };
}

/**
 * RSS after a flood of distinct tokens: the sample app alone in a fresh process, then the raw
 * twin alone in another, each sent the same `memoryTokens` tokens on /me.
 */
async function runMemory(adapter) {
  const { kit, pool } = state;
  await pool.ensure(options.memoryTokens);
  const readings = {};
  for (const app of ['sample', 'raw']) {
    log(
      `${adapter}: memory: ${options.memoryTokens} distinct tokens to a fresh process running ${app === 'sample' ? 'the sample app' : 'the raw twin'} alone`,
    );
    const fetchesBefore = kit.jwksRequestCount;
    const server = await startSampleApp(kit, { adapter, apps: [app] });
    try {
      await expectOk(server.urls[app], kit.accessToken());
      const atStart = server.memory();
      const run = await runLoad({
        url: server.urls[app],
        path: '/me',
        connections: options.connections,
        amount: options.memoryTokens,
        distinct: { tokens: pool.tokens, cursor: 0 },
        server,
      });
      assertClean(run, `${adapter} memory run (${app})`);
      const after = server.memory();
      readings[app] = {
        tokens: run.total,
        rssAtStartMiB: atStart.rssMiB,
        rssMiB: after.rssMiB,
        peakRssMiB: after.peakRssMiB,
        reqPerSec: run.reqPerSec,
        serverCpuUsPerRequest: run.serverCpuUsPerRequest,
        jwksFetches: kit.jwksRequestCount - fetchesBefore,
      };
    } finally {
      await server.stop();
    }
  }
  return {
    ...readings,
    rssOverRawMiB: readings.sample.rssMiB - readings.raw.rssMiB,
    peakOverRawMiB: readings.sample.peakRssMiB - readings.raw.peakRssMiB,
  };
}

/**
 * Ratios of each row: vs /health of its own app (the twins against the control's), and for a
 * sample app row with twins, vs each twin. The CPU ratios are what the rate ratios would be if
 * the server were the only bottleneck.
 */
function compareRows(rows) {
  const find = (scenario) => rows.find((row) => row.scenario === scenario);
  const phaseOf = Object.fromEntries([...REUSED_PHASE, ...DISTINCT_PHASE].map((s) => [s.scenario, s]));
  for (const row of rows) {
    const health = find(row.app === 'sample' ? 'health' : 'control-health');
    if (REUSED_PHASE.includes(phaseOf[row.scenario])) {
      Object.assign(row, {
        ratioVsHealth: ratioOf(row, health, 'reqPerSec'),
        cpuRatioVsHealth: 1 / ratioOf(row, health, 'serverCpuUsPerRequest'),
      });
    } else {
      // Another phase: the slices are not paired, so the totals are compared.
      Object.assign(row, {
        ratioVsHealth: row.reqPerSec / health.reqPerSec,
        cpuRatioVsHealth: health.serverCpuUsPerRequest / row.serverCpuUsPerRequest,
      });
    }
    row.addedCpuUsPerRequestVsHealth = row.serverCpuUsPerRequest - health.serverCpuUsPerRequest;
    for (const [twin, scenario] of Object.entries(phaseOf[row.scenario].twins ?? {})) {
      const other = find(scenario);
      const name = twin[0].toUpperCase() + twin.slice(1);
      Object.assign(row, {
        [`ratioVs${name}`]: ratioOf(row, other, 'reqPerSec'),
        [`ratioVs${name}Quartiles`]: quartilesOf(row, other, 'reqPerSec'),
        [`cpuRatioVs${name}`]: 1 / ratioOf(row, other, 'serverCpuUsPerRequest'),
        [`addedCpuUsPerRequestVs${name}`]: row.serverCpuUsPerRequest - other.serverCpuUsPerRequest,
      });
    }
  }
}

/** a[field] ÷ b[field]: the median of the per-round ratios when both ran in slices, else of the totals. */
function ratioOf(a, b, field) {
  if (!a.slices || !b.slices || a.slices.length !== b.slices.length) return a[field] / b[field];
  const ratios = a.slices.map((slice, round) => slice[field] / b.slices[round][field]).sort((x, y) => x - y);
  const middle = ratios.length >> 1;
  return ratios.length % 2 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
}

/** The first and third quartiles of the per-round ratios a[field] ÷ b[field]: how much the rounds disagree. */
function quartilesOf(a, b, field) {
  if (!a.slices || !b.slices || a.slices.length !== b.slices.length) return undefined;
  const ratios = a.slices.map((slice, round) => slice[field] / b.slices[round][field]).sort((x, y) => x - y);
  const at = (q) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))];
  return [at(0.25), at(0.75)];
}

/** One result from the slices of a scenario: totals added up, latency percentiles averaged. */
function combineRuns(runs) {
  const sum = (pick) => runs.reduce((acc, run) => acc + pick(run), 0);
  const total = sum((r) => r.total);
  const elapsedMs = sum((r) => r.elapsedMs);
  const serverCpuMs = sum((r) => r.serverCpuMs);
  const mean = (pick) => sum(pick) / runs.length;
  const statusCodes = {};
  for (const run of runs)
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    reqPerSec: (total / elapsedMs) * 1000,
    total,
    elapsedMs,
    latencyMs: Object.fromEntries(
      Object.keys(runs[0].latencyMs).map((k) => [
        k,
        k === 'max' ? Math.max(...runs.map((r) => r.latencyMs[k])) : mean((r) => r.latencyMs[k]),
      ]),
    ),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    serverCpuMs,
    serverCpuUsPerRequest: (serverCpuMs * 1000) / total,
    serverCpuPercent: (serverCpuMs / elapsedMs) * 100,
    loadGeneratorCpuPercent: mean((r) => r.loadGeneratorCpuPercent),
    exhausted: runs.some((r) => r.exhausted),
    slices: runs.map((r) => ({
      reqPerSec: r.reqPerSec,
      serverCpuUsPerRequest: r.serverCpuUsPerRequest,
      latencyMs: r.latencyMs,
    })),
  };
}

/**
 * The distinct-token load again, CPU-profiled: a fresh process with the sample app alone (its
 * cache filled first, as in the distinct-token phase), then one with the raw twin alone, each
 * sent the same tokens after the same warm-up; the profiler runs during the measured requests.
 */
async function profileAdapter(adapter) {
  const profiles = {};
  for (const app of ['sample', 'raw']) profiles[app] = await profileApp(adapter, app);
  const { sample, raw } = profiles;
  const perRequest = (p, ms) => (ms * 1000) / p.requests;
  const areas = [...new Set([...sample.summary.byArea, ...raw.summary.byArea].map((row) => row.area))];
  const rows = areas
    .map((area) => {
      const of = (p) => p.summary.byArea.find((row) => row.area === area)?.selfMs ?? 0;
      return { area, moduleUs: perRequest(sample, of(sample)), rawUs: perRequest(raw, of(raw)) };
    })
    .sort((a, b) => Math.abs(b.moduleUs - b.rawUs) - Math.abs(a.moduleUs - a.rawUs));
  const busy = (p) => perRequest(p, p.summary.busyMs);
  const lines = [
    `CPU profile, ${adapter}: sampled busy time per request, the sample app vs the raw twin (each alone in a fresh process, ${sample.requests} new tokens): ` +
      `${busy(sample).toFixed(1)} vs ${busy(raw).toFixed(1)} µs (the profiler's own cost included); largest differences by area:`,
    ...rows
      .slice(0, 12)
      .map(
        (row) =>
          `    ${row.area.padEnd(24)} ${row.moduleUs.toFixed(1).padStart(7)} µs vs ${row.rawUs.toFixed(1).padStart(7)} µs`,
      ),
  ];
  return { sample, raw, byAreaUsPerRequest: rows, text: `${lines.join('\n')}\n${sample.text}\n${raw.text}` };
}

async function profileApp(adapter, app) {
  log(
    `${adapter}: profiling /me with new tokens on ${app === 'sample' ? 'the sample app' : 'the raw twin'} alone (V8 sampling profiler)`,
  );
  const { pool, kit } = state;
  const server = await startSampleApp(kit, { adapter, apps: [app], profile: true });
  try {
    await expectOk(server.url, kit.accessToken());
    const cursor = { tokens: pool.tokens, cursor: 0 };
    const common = { url: server.url, path: '/me', connections: options.connections, server, distinct: cursor };
    const requests = Math.min(options.memoryTokens, 20_000);
    await pool.ensure(MODULE_CACHE_ENTRIES + 2 * options.distinctWarmupRequests + requests + options.connections);
    // The same warm-up on both: the module's cache is then full; the twin just sees more tokens.
    assertClean(
      await runLoad({ ...common, amount: MODULE_CACHE_ENTRIES + 2 * options.distinctWarmupRequests }),
      `${adapter} profile warm-up`,
    );
    const file = join(outDir, `profile-${stamp}-${adapter}-${app}-distinct.cpuprofile`);
    await mkdir(outDir, { recursive: true });
    await server.request('start');
    const result = await runLoad({ ...common, amount: requests });
    await server.request('stop', { file });
    assertClean(result, `${adapter} profiled run (${app})`);
    const { usage, spaces } = await server.request('memory');
    const memory = { ...server.memory(), processMemoryUsageMiB: usage, heapSpacesMiB: spaces };
    const summary = summariseProfile(JSON.parse(await readFile(file, 'utf8')));
    const title = `CPU profile, ${adapter}, ${app === 'sample' ? 'sample app' : 'raw twin'}, /me with new tokens (${Math.round(result.reqPerSec)} req/s while profiled, ${result.total} requests)`;
    const memoryLine =
      `  memory at the end of the run: RSS ${usage.rss} MiB, V8 heap used ${usage.heapUsed} of ${usage.heapTotal} MiB ` +
      `(old space ${spaces.old_space?.usedMiB} MiB used, new space ${spaces.new_space?.sizeMiB} MiB), external ${usage.external} MiB, array buffers ${usage.arrayBuffers} MiB`;
    return {
      file,
      reqPerSecWhileProfiled: result.reqPerSec,
      requests: result.total,
      memory,
      summary,
      text: `${formatSummary(title, summary)}\n${memoryLine}`,
    };
  } finally {
    await server.stop();
  }
}

async function saveProfile(name, profile) {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `profile-${stamp}-${name}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  const summary = summariseProfile(profile);
  return {
    file,
    summary,
    text: formatSummary('CPU profile, in-process module guard, new tokens (cache full)', summary),
  };
}

/** GET /me with the token must answer 200; returns the body. */
async function expectOk(url, token) {
  const { status, body } = await httpGet(`${url}/me`, { authorization: `Bearer ${token}` });
  if (status !== 200) throw new Error(`sanity check: GET ${url}/me answered ${status}: ${body.slice(0, 300)}`);
  return body;
}

/** The apps must answer /me for the token with the same bytes: the twins are like for like. */
async function expectSameAnswers(server, token, apps) {
  const bodies = {};
  for (const app of apps) bodies[app] = await expectOk(server.urls[app], token);
  for (const app of apps) {
    if (bodies[app] !== bodies[apps[0]])
      throw new Error(
        `sanity check: ${app} answers /me differently from ${apps[0]}:\n${bodies[app]}\n${bodies[apps[0]]}`,
      );
  }
}

function assertClean(result, what) {
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(
      `${what}: non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts} (${JSON.stringify(result.statusCodes)})`,
    );
  }
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** The middle half of the per-round ratios (first to third quartile), for a goal line. */
function spread(quartiles) {
  return quartiles ? ` (middle half of rounds ${pct(quartiles[0])}–${pct(quartiles[1])})` : '';
}

function us(value) {
  return `${value.toFixed(1)} µs`;
}

function goals(results) {
  const list = [];
  const add = (goal) => list.push(goal);
  const http = results.http;
  for (const adapter of Object.keys(results.servers)) {
    const row = (scenario) => http.find((r) => r.adapter === adapter && r.scenario === scenario);
    const distinct = row('me-distinct-tokens');
    const raw = row('raw-me-distinct-tokens');
    const aws = row('aws-me-distinct-tokens');
    const figures = (r) =>
      `${Math.round(r.reqPerSec)} req/s, ${r.serverCpuUsPerRequest.toFixed(1)} µs srv CPU/req, p99 ${r.latencyMs.p99.toFixed(1)} ms`;
    add({
      adapter,
      goal: 'new token vs raw crypto',
      ratio: distinct.ratioVsRaw,
      target: GOAL.newVsRaw,
      met: distinct.ratioVsRaw >= GOAL.newVsRaw,
      text: `${adapter}: new token per request: the module at ${pct(distinct.ratioVsRaw)}${spread(distinct.ratioVsRawQuartiles)} of the raw-crypto twin (goal ≥ ${pct(GOAL.newVsRaw)}; module ${figures(distinct)}; raw ${figures(raw)})`,
    });
    add({
      adapter,
      goal: 'new token vs aws-jwt-verify',
      ratio: distinct.ratioVsAws,
      target: GOAL.newVsAws,
      met: distinct.ratioVsAws > GOAL.newVsAws,
      text: `${adapter}: new token per request: the module at ${pct(distinct.ratioVsAws)}${spread(distinct.ratioVsAwsQuartiles)} of the aws-jwt-verify twin (goal: ahead, > 100%; aws ${figures(aws)})`,
    });
    const one = row('me-one-token');
    const sub = row('me-sub-one-token');
    const reused = Math.min(one.ratioVsControl, sub.ratioVsControl);
    add({
      adapter,
      goal: 'reused token vs control',
      ratio: reused,
      target: GOAL.reusedVsControl,
      met: reused >= GOAL.reusedVsControl,
      text:
        `${adapter}: one reused token: /me at ${pct(one.ratioVsControl)}${spread(one.ratioVsControlQuartiles)} and /me/sub at ${pct(sub.ratioVsControl)}${spread(sub.ratioVsControlQuartiles)} of the control twin ` +
        `(${one.addedCpuUsPerRequestVsControl.toFixed(1)} and ${sub.addedCpuUsPerRequestVsControl.toFixed(1)} µs srv CPU/req over it; goal ≥ ${pct(GOAL.reusedVsControl)} for both); ` +
        `vs raw twin ${pct(one.ratioVsRaw)}, vs aws twin ${pct(one.ratioVsAws)}`,
    });
  }
  for (const [adapter, m] of Object.entries(results.memory)) {
    const entry = results.cacheEntry;
    add({
      adapter,
      goal: 'RSS after distinct tokens vs raw crypto',
      overMiB: m.rssOverRawMiB,
      target: GOAL.rssOverRawMiB,
      met: m.rssOverRawMiB <= GOAL.rssOverRawMiB,
      text:
        `${adapter}: RSS after ${m.sample.tokens.toLocaleString('en-US')} distinct tokens: module ${m.sample.rssMiB.toFixed(0)} MiB, raw twin ${m.raw.rssMiB.toFixed(0)} MiB: ` +
        `+${m.rssOverRawMiB.toFixed(0)} MiB (goal ≤ +${GOAL.rssOverRawMiB} MiB; peak +${m.peakOverRawMiB.toFixed(0)} MiB)` +
        (entry ? `; ${Math.round(entry.bytesPerEntry)} bytes per cache entry` : ''),
    });
  }
  for (const [adapter, t] of Object.entries(results.tenants)) add(tenantGoal(adapter, t));
  for (const goal of results.lambda?.goals ?? []) add(goal);
  if (results.metrics) for (const goal of metricsGoals(results.metrics)) add(goal);
  if (results.transform) for (const goal of transformGoals(results.transform)) add(goal);
  const v = results.verification;
  if (v) {
    const row = (method) => v.rows.find((r) => r.method === method);
    const raw = row(METHOD.raw);
    const fresh = row(METHOD.moduleNew);
    const off = row(METHOD.moduleOff);
    add({
      goal: 'in process, new token over the RSA check',
      overUs: off.overheadUsVsRaw,
      overUsCacheFull: fresh.overheadUsVsRaw,
      target: GOAL.inProcessOverRawUs,
      met: off.overheadUsVsRaw <= GOAL.inProcessOverRawUs,
      text:
        `in process: a new token costs the module the RSA check (${us(raw.usPerToken)}) + ${us(off.overheadUsVsRaw)} with the cache off, ` +
        `the measure of the goal's + 12.5 µs baseline (goal ≤ + ${us(GOAL.inProcessOverRawUs)}); + ${us(fresh.overheadUsVsRaw)} with the cache on and full, as in a server; ` +
        `aws-jwt-verify: + ${us(row(METHOD.awsSync).overheadUsVsRaw)} (verifySync), + ${us(row(METHOD.awsAsync).overheadUsVsRaw)} (verify)`,
    });
  }
  const fetches = [
    ...Object.entries(results.servers).map(([adapter, s]) => [`${adapter} sample + twins`, s.jwksFetches]),
    ...Object.entries(results.memory).flatMap(([adapter, m]) => [
      [`${adapter} memory, sample`, m.sample.jwksFetches],
      [`${adapter} memory, raw twin`, m.raw.jwksFetches],
    ]),
  ];
  if (fetches.length) {
    const sampleFetches = fetches.filter(([name]) => !name.endsWith('raw twin'));
    add({
      goal: 'one key-set fetch per process',
      met:
        sampleFetches.every(([, n]) => n === GOAL.jwksFetchesPerProcess) &&
        fetches.every(([name, n]) => !name.endsWith('raw twin') || n === 0),
      text: `key-set fetches per server process: ${fetches.map(([name, n]) => `${name} ${n}`).join(', ')} (goal: 1 per process with the module, the twins none)`,
    });
  }
  return list;
}

function gitInfo() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'lib', 'sample-app/src'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim() !== '';
    return { commit, libDirty: dirty };
  } catch {
    return undefined;
  }
}

async function cleanup() {
  const { pool, kit } = state;
  state.pool = state.kit = undefined;
  await stopAllServers().catch(() => {});
  await pool?.close().catch(() => {});
  await kit?.close().catch(() => {});
}
