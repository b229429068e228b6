#!/usr/bin/env node
// `npm run bench`: throughput of the built sample app under autocannon (/health vs /me with one
// reused token vs /me with a new valid token on every request; Express and Fastify), the cost of
// verification alone (the module vs raw crypto.verify vs aws-jwt-verify), JWKS fetches and the
// server's peak RSS. Prints tables and writes bench-results/bench-<timestamp>.json.
// A benchmark, not a test: the numbers depend on the machine and on what else runs on it.
// Run `node scripts/bench.mjs --help` for the flags; `npm run bench -- --quick` for a smoke run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './bench/options.mjs';
import { formatSummary, summariseProfile } from './bench/cpu-profile.mjs';
import { runLoad } from './bench/load.mjs';
import { formatGoals, formatHttp, formatVerification } from './bench/report.mjs';
import { httpGet, serverPlacement, startSampleApp, stopAllServers } from './bench/server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUIRED_BUILD = ['dist/index.js', 'dist/testing/index.js', 'sample-app/dist/main.js'];
/** Distinct tokens minted per measured run: warm-up rate × duration × this. */
const TOKEN_MARGIN = 1.5;
const REUSED_GOAL = 0.95;
/** Sample app scenarios with their control twin (the same request to the app without the module). */
const CONTROL_TWIN = { health: 'control-health', 'me-one-token': 'control-me-one-token', 'me-sub-one-token': 'control-me-sub-one-token' };

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
const { runVerificationBench } = await import('./bench/verify.mjs');

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
      loadavgBefore: loadavg(),
      git: gitInfo(),
      servers: serverPlacement(),
      options,
      notes: [
        'req/s = requests completed / wall time of the run; the load generator (autocannon) runs in this process, the server in a child process pinned to the last CPU (meta.servers) unless --no-pin',
        '/health, /me and /me/sub one-token and their control twins: duration seconds each, in slices of about `slice` seconds visiting the scenarios forwards then backwards, after a warm-up of each; /me distinct tokens: one run of duration after a 2-part warm-up',
        'vs /health and vs control = the median over rounds of the per-round ratio (slices of one round run back to back), robust to the machine speed drifting during the run; req/s and srv CPU µs/req are totals over all slices',
        'control: the sample app without the module (scripts/bench/control-app.mjs), a stand-in guard setting the /me user of the reused token; same routes, same request bytes, same answers; it runs in the same process as the sample app for the reused-token scenarios (scripts/bench/paired-apps.mjs); vs control = sample rate / control twin rate: the module\'s own cost',
        'the distinct-token run, the JWKS fetch count and the memory readings come from a separate process running only the sample app (sample-app/dist/main.js); its vs /health compares with the paired process\'s /health',
        'srv CPU µs/req = user+system CPU of the server child during the run / requests (from /proc); less sensitive to noise than req/s',
        'vs /health (CPU) = /health srv CPU µs/req ÷ this scenario\'s: the rate ratio if the server alone were the bottleneck',
        'srv CPU % / loadgen CPU % near 100: that process saturates one core; a server well below 100% means the load generator or other load limits the rate',
        'distinct tokens never repeat within one server process; the pool is reused for the other adapter (a fresh process, empty caches)',
      ],
    },
    http: [],
    servers: {},
    verification: undefined,
    profile: undefined,
  };
  state.kit = await createCognitoTestKit();
  state.pool = new TokenPool(state.kit);

  if (options.only !== 'verify') {
    for (const adapter of options.adapters) {
      const { rows, server } = await benchAdapter(adapter);
      results.http.push(...rows);
      results.servers[adapter] = server;
    }
  }
  if (options.only !== 'http') {
    log(`verification alone: ${options.verifyTokens} distinct tokens × ${options.rounds} round(s)`);
    await state.pool.ensure(options.verifyTokens);
    const { cpuProfile, ...verification } = await runVerificationBench(state.kit, state.pool.tokens.slice(0, options.verifyTokens), {
      rounds: options.rounds,
      profile: options.profile,
    });
    results.verification = verification;
    if (cpuProfile) (results.profile ??= {}).moduleVerify = await saveProfile('module-verify', cpuProfile);
  }
  if (options.profile && options.only !== 'verify') {
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
  if (results.verification) text.push(formatVerification(results.verification));
  if (results.goals.length) text.push(formatGoals(results.goals));
  for (const [name, p] of Object.entries(results.profile ?? {})) text.push(p.text);
  process.stdout.write(`\n${text.join('\n\n')}\n`);

  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${stamp}.json`);
  const json = structuredClone(results);
  for (const p of Object.values(json.profile ?? {})) delete p.text;
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwritten ${file}`);

  const failures = results.http.filter((r) => r.non2xx || r.errors || r.timeouts || r.exhausted);
  for (const r of failures) log(`FAILED: ${r.adapter} ${r.scenario}: non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}${r.exhausted ? ', tokens exhausted' : ''}`);
  return failures.length ? 1 : 0;
}

async function benchAdapter(adapter) {
  const rows = await runReusedTokenScenarios(adapter);
  const { kit, pool } = state;
  const fetchesBefore = kit.jwksRequestCount;
  log(`${adapter}: starting sample-app/dist/main.js for the distinct-token run`);
  const server = await startSampleApp(kit, { adapter });
  try {
    await expectOk(server, kit.accessToken());
    const rssAtStartMiB = server.memory().rssMiB;
    const distinct = await runDistinct(server, { url: server.url, connections: options.connections, server }, adapter);
    rows.push({ adapter, scenario: 'me-distinct-tokens', ...distinct.result });
    const memory = server.memory();
    compareRows(rows);
    return {
      rows,
      server: {
        pid: server.pid,
        jwksFetches: kit.jwksRequestCount - fetchesBefore,
        peakRssMiB: memory.peakRssMiB,
        rssMiB: memory.rssMiB,
        rssAtStartMiB,
        rssBeforeDistinctMiB: distinct.rssBeforeMiB,
        distinctTokensSent: distinct.sent,
        tokenPoolSize: pool.size,
        exhausted: distinct.result.exhausted,
      },
    };
  } finally {
    await server.stop();
  }
}

/**
 * /health, /me/sub and /me with one reused token, each next to its control twin (the same
 * request to the sample app without the module), on paired-apps.mjs: both apps in one process.
 */
async function runReusedTokenScenarios(adapter) {
  const { kit } = state;
  const reusedToken = kit.accessToken();
  log(`${adapter}: starting the sample app and its control in one process (scripts/bench/paired-apps.mjs)`);
  const server = await startSampleApp(kit, { adapter, controlToken: reusedToken });
  try {
    await expectOk(server, reusedToken);
    const onSample = { url: server.url, connections: options.connections, server };
    const onControl = { url: server.controlUrl, connections: options.connections, server };
    // /me/sub is the like-for-like pair of /health: a protected route whose answer is as small
    // (/me answers the whole user object, ~1 KB, whose serialisation and write cost the server
    // and the load generator more than the authentication does).
    const loads = {
      health: { ...onSample, path: '/health' },
      'me-one-token': { ...onSample, path: '/me', token: reusedToken },
      'me-sub-one-token': { ...onSample, path: '/me/sub', token: reusedToken },
    };
    for (const [scenario, twin] of Object.entries(CONTROL_TWIN)) loads[twin] = { ...loads[scenario], ...onControl };
    if (options.warmup > 0) {
      for (const load of Object.values(loads)) await runLoad({ ...load, duration: options.warmup });
    }
    // Each scenario runs `duration` seconds in slices of `slice` seconds, visiting the scenarios
    // in turn, forwards then backwards (A-B-C-C-B-A-A-B-C…): the machine's speed drifts by tens of
    // per cent over a minute here, and short alternating slices make that drift weigh on every
    // scenario alike. A scenario and its control twin always run back to back.
    const order = Object.entries(CONTROL_TWIN).flat();
    const rounds = Math.max(2, Math.round(options.duration / options.slice));
    const sliceSeconds = options.duration / rounds;
    const slices = Object.fromEntries(order.map((scenario) => [scenario, []]));
    log(`${adapter}: ${rounds} rounds of ${sliceSeconds} s slices: ${order.join(', ')}`);
    for (let round = 0; round < rounds; round += 1) {
      for (const scenario of round % 2 === 0 ? order : [...order].reverse()) {
        slices[scenario].push(await runLoad({ ...loads[scenario], duration: sliceSeconds }));
      }
    }
    return Object.entries(slices).map(([scenario, runs]) => ({ adapter, scenario, ...combineRuns(runs) }));
  } finally {
    await server.stop();
  }
}

/**
 * Ratios of each row: vs /health of its own server (the sample app's, or the control's), and for
 * a sample app row with a control twin, vs that twin: the module's own cost.
 * The CPU ratios are what the rate ratios would be if the server were the only bottleneck.
 */
function compareRows(rows) {
  const find = (scenario) => rows.find((row) => row.scenario === scenario);
  for (const row of rows) {
    const isControl = row.scenario.startsWith('control-');
    const health = find(isControl ? 'control-health' : 'health');
    Object.assign(row, {
      ratioVsHealth: ratioOf(row, health, 'reqPerSec'),
      cpuRatioVsHealth: 1 / ratioOf(row, health, 'serverCpuUsPerRequest'),
      addedCpuUsPerRequestVsHealth: row.serverCpuUsPerRequest - health.serverCpuUsPerRequest,
    });
    const twin = find(CONTROL_TWIN[row.scenario]);
    if (twin) {
      Object.assign(row, {
        ratioVsControl: ratioOf(row, twin, 'reqPerSec'),
        cpuRatioVsControl: 1 / ratioOf(row, twin, 'serverCpuUsPerRequest'),
        addedCpuUsPerRequestVsControl: row.serverCpuUsPerRequest - twin.serverCpuUsPerRequest,
      });
    }
  }
}

/** a[field] ÷ b[field]: the median of the per-round ratios when both ran in slices, else of the totals. */
function ratioOf(a, b, field) {
  if (!a.slices || !b.slices) return a[field] / b[field];
  const ratios = a.slices.map((slice, round) => slice[field] / b.slices[round][field]).sort((x, y) => x - y);
  const middle = ratios.length >> 1;
  return ratios.length % 2 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
}

/** One result from the slices of a scenario: totals added up, latency percentiles averaged. */
function combineRuns(runs) {
  const sum = (pick) => runs.reduce((acc, run) => acc + pick(run), 0);
  const total = sum((r) => r.total);
  const elapsedMs = sum((r) => r.elapsedMs);
  const serverCpuMs = sum((r) => r.serverCpuMs);
  const mean = (pick) => sum(pick) / runs.length;
  const statusCodes = {};
  for (const run of runs) for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    reqPerSec: (total / elapsedMs) * 1000,
    total,
    elapsedMs,
    latencyMs: Object.fromEntries(Object.keys(runs[0].latencyMs).map((k) => [k, k === 'max' ? Math.max(...runs.map((r) => r.latencyMs[k])) : mean((r) => r.latencyMs[k])])),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    serverCpuMs,
    serverCpuUsPerRequest: (serverCpuMs * 1000) / total,
    serverCpuPercent: (serverCpuMs / elapsedMs) * 100,
    loadGeneratorCpuPercent: mean((r) => r.loadGeneratorCpuPercent),
    exhausted: false,
    slices: runs.map((r) => ({ reqPerSec: r.reqPerSec, serverCpuUsPerRequest: r.serverCpuUsPerRequest, latencyMs: r.latencyMs })),
  };
}

/**
 * /me with a new token per request: a warm-up of a fixed number of requests (twice) measures the rate,
 * enough tokens are minted for rate × duration × TOKEN_MARGIN, then the measured run; if the pool
 * still runs out (the warm-up underestimated), more are minted and the run is repeated once.
 */
async function runDistinct(server, common, adapter, { beforeRun, afterRun } = {}) {
  const { pool } = state;
  const cursor = { tokens: pool.tokens, cursor: 0 };
  // Two warm-up halves: the first warms the JIT up, the second (warm) one gives the rate.
  await pool.ensure(2 * options.distinctWarmupRequests);
  let warm;
  for (let half = 0; half < 2; half += 1) {
    warm = await runLoad({ ...common, path: '/me', amount: options.distinctWarmupRequests, distinct: cursor });
    assertClean(warm, `${adapter} distinct-token warm-up`);
  }
  let rate = warm.sendRate ?? warm.reqPerSec;
  for (let attempt = 1; ; attempt += 1) {
    const need = cursor.cursor + Math.ceil(rate * options.duration * TOKEN_MARGIN);
    if (pool.size < need) log(`${adapter}: minting ${need - pool.size} more tokens (warm-up rate ${Math.round(rate)} req/s)`);
    await pool.ensure(need);
    cursor.tokens = pool.tokens;
    const rssBeforeMiB = server.memory().rssMiB;
    const first = cursor.cursor;
    log(`${adapter}: me-distinct-tokens (${options.duration} s)`);
    await beforeRun?.();
    const result = await runLoad({ ...common, path: '/me', duration: options.duration, distinct: cursor });
    await afterRun?.();
    if (!result.exhausted || attempt === 2) return { result, rssBeforeMiB, sent: cursor.cursor - first };
    log(`${adapter}: the ${pool.size} tokens ran out at ${Math.round(result.reqPerSec)} req/s; minting more and repeating the run`);
    rate = Math.max(rate, result.sendRate ?? result.reqPerSec) * 1.2;
  }
}

/** The distinct-token run again, on a fresh child whose main thread is CPU-profiled during the run. */
async function profileAdapter(adapter) {
  log(`${adapter}: profiling the distinct-token run (server child, V8 sampling profiler)`);
  const server = await startSampleApp(state.kit, { adapter, profile: true });
  try {
    await expectOk(server, state.kit.accessToken());
    const common = { url: server.url, connections: options.connections, server };
    const file = join(outDir, `profile-${stamp}-${adapter}-distinct.cpuprofile`);
    await mkdir(outDir, { recursive: true });
    const { result } = await runDistinct(server, common, adapter, {
      beforeRun: () => server.request('start'),
      afterRun: () => server.request('stop', { file }),
    });
    const { usage, spaces } = await server.request('memory');
    const memory = { ...server.memory(), processMemoryUsageMiB: usage, heapSpacesMiB: spaces };
    const { readFile } = await import('node:fs/promises');
    const summary = summariseProfile(JSON.parse(await readFile(file, 'utf8')));
    const title = `CPU profile, ${adapter} server, /me with distinct tokens (${Math.round(result.reqPerSec)} req/s while profiled, ${result.total} requests)`;
    const memoryLine =
      `  memory at the end of the run: RSS ${usage.rss} MiB, V8 heap used ${usage.heapUsed} of ${usage.heapTotal} MiB ` +
      `(old space ${spaces.old_space?.usedMiB} MiB used, new space ${spaces.new_space?.sizeMiB} MiB), external ${usage.external} MiB, array buffers ${usage.arrayBuffers} MiB`;
    return { file, reqPerSecWhileProfiled: result.reqPerSec, requests: result.total, memory, summary, text: `${formatSummary(title, summary)}\n${memoryLine}` };
  } finally {
    await server.stop();
  }
}

async function saveProfile(name, profile) {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `profile-${stamp}-${name}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  const summary = summariseProfile(profile);
  return { file, summary, text: formatSummary('CPU profile, in-process module verification path (guard.canActivate, cache off)', summary) };
}

/** GET /me with the token must answer 200; returns the user object it answered. */
async function expectOk(server, token) {
  const { status, body } = await httpGet(`${server.url}/me`, { authorization: `Bearer ${token}` });
  if (status !== 200) throw new Error(`sanity check: GET /me answered ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

function assertClean(result, what) {
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${what}: non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts} (${JSON.stringify(result.statusCodes)})`);
  }
}

function goals(results) {
  const list = [];
  for (const adapter of Object.keys(results.servers)) {
    const rows = results.http.filter((r) => r.adapter === adapter);
    const one = rows.find((r) => r.scenario === 'me-one-token');
    const sub = rows.find((r) => r.scenario === 'me-sub-one-token');
    const distinct = rows.find((r) => r.scenario === 'me-distinct-tokens');
    list.push({
      adapter,
      goal: 'reused-token, same-size answer',
      ratio: sub.ratioVsHealth,
      met: sub.ratioVsHealth >= REUSED_GOAL,
      text: `${adapter}: protected /me/sub with one reused token at ${(sub.ratioVsHealth * 100).toFixed(1)}% of public /health (goal ≥ ${REUSED_GOAL * 100}%, floor 90%)`,
    });
    const controlMe = rows.find((r) => r.scenario === 'control-me-one-token');
    list.push({
      adapter,
      goal: 'reused-token, whole user object',
      ratio: one.ratioVsHealth,
      met: one.ratioVsHealth >= REUSED_GOAL,
      text:
        `${adapter}: /me (a ~1 KB user object) with one reused token at ${(one.ratioVsHealth * 100).toFixed(1)}% of /health ` +
        `(${(one.cpuRatioVsHealth * 100).toFixed(1)}% by server CPU); without the module the same request is at ` +
        `${(controlMe.ratioVsHealth * 100).toFixed(1)}% of /health (the control), the most any auth can reach`,
    });
    const moduleCost = Math.min(one.ratioVsControl, sub.ratioVsControl);
    const cacheHit = results.verification?.rows.find((r) => r.method === 'module guard, cache hit');
    list.push({
      adapter,
      goal: 'reused-token, module vs no module',
      ratio: moduleCost,
      met: moduleCost >= REUSED_GOAL,
      text:
        `${adapter}: the module's own cost: /me at ${(one.ratioVsControl * 100).toFixed(1)}% and /me/sub at ${(sub.ratioVsControl * 100).toFixed(1)}% ` +
        `of the same requests to the app without it (${one.addedCpuUsPerRequestVsControl.toFixed(1)} and ${sub.addedCpuUsPerRequestVsControl.toFixed(1)} µs server CPU/request; goal ≥ ${REUSED_GOAL * 100}%)` +
        (cacheHit ? `; in process a cache hit costs the guard ${cacheHit.usPerToken.toFixed(1)} µs` : ''),
    });
    const raw = results.verification?.rows.find((r) => r.method === 'raw crypto.verify');
    if (raw) {
      // The raw-signature limit: a reused-token request plus one crypto.verify, in server CPU.
      const limitUs = one.serverCpuUsPerRequest + raw.usPerToken;
      const efficiency = limitUs / distinct.serverCpuUsPerRequest;
      const beyond = distinct.serverCpuUsPerRequest - limitUs;
      list.push({
        adapter,
        goal: 'distinct-token',
        rawLimitEfficiency: efficiency,
        extraUsPerRequestBeyondSignature: beyond,
        met: undefined,
        text:
          `${adapter}: /me with distinct tokens at ${(distinct.ratioVsHealth * 100).toFixed(1)}% of /health; ${distinct.serverCpuUsPerRequest.toFixed(0)} µs server CPU/request ` +
          `vs a raw-signature limit of ${limitUs.toFixed(0)} µs (reused-token /me ${one.serverCpuUsPerRequest.toFixed(0)} + crypto.verify ${raw.usPerToken.toFixed(0)}): ` +
          `${(efficiency * 100).toFixed(0)}% of the limit rate, ${beyond.toFixed(0)} µs/request beyond the signature check`,
      });
    }
  }
  const v = results.verification;
  if (v) {
    const mod = v.rows.find((r) => r.method === 'module guard, cache off');
    const aws = v.rows.find((r) => r.method === 'aws-jwt-verify verify()');
    list.push({
      goal: 'verification',
      met: undefined,
      text: `verification alone: the module verifies at ${(mod.rateVsRaw * 100).toFixed(1)}% of the raw crypto.verify rate (${mod.overheadUsVsRaw.toFixed(1)} µs/token on top); aws-jwt-verify at ${(aws.rateVsRaw * 100).toFixed(1)}%`,
    });
  }
  return list.map((g) => ({ ...g, met: g.met ?? null, informational: g.met === undefined }));
}

function gitInfo() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'sample-app/src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
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
