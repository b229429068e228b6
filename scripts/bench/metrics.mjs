// The cost of observability on the reused-token path.
// HTTP: the sample app with its metrics on (COGNITO_METRICS=prometheus: an OpenTelemetry SDK
// MeterProvider with the Prometheus exporter as its reader) next to the same app with
// `metrics: false`, each in its own server child (the diagnostics channels belong to a process:
// one app's subscriber would make the other publish too), in paired slices of GET /me/sub with
// one token. In process: the guard's µs per request on a reused token with nothing subscribed,
// with a no-op diagnostics_channel subscriber, and with metrics on an SDK MeterProvider.
import diagnosticsChannel from 'node:diagnostics_channel';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createGuard, guardHandler, timeRequests } from './in-process.mjs';
import { runLoad } from './load.mjs';
import { httpGet, startSampleApp } from './server.mjs';

export const METRICS_GOAL = 0.95;
const CHANNELS = ['authenticate', 'authorize'].map((name) => `nestjs-cognito-auth:${name}`);
/** Requests per in-process measure; the same token each time (served from the token cache). */
const IN_PROCESS_REQUESTS = 200_000;
/** Requests each in-process module serves before it is timed: the key set, the token cache, the JIT. */
const WARM_UP = 5_000;

/** A reader that only collects when asked: the SDK aggregates every record as it would for an exporter. */
export class QuietReader extends MetricReader {
  onForceFlush() {
    return Promise.resolve();
  }
  onShutdown() {
    return Promise.resolve();
  }
}

export async function runMetricsBench(kit, adapters, options, log) {
  const http = {};
  for (const adapter of adapters) http[adapter] = await runHttp(kit, adapter, options, log);
  log(
    `metrics in process: the guard on one reused token, ${options.rounds} round(s) of ${IN_PROCESS_REQUESTS} requests each`,
  );
  const inProcess = await runInProcess(
    kit,
    options.quick ? IN_PROCESS_REQUESTS / 10 : IN_PROCESS_REQUESTS,
    options.rounds,
  );
  return { http, inProcess };
}

async function runHttp(kit, adapter, options, log) {
  log(`${adapter}: metrics on vs metrics: false, reused token on /me/sub, each app in its own server child`);
  const result = await runPairedSampleApps(kit, adapter, options, {
    what: 'metrics',
    token: kit.accessToken(),
    onEnv: { COGNITO_METRICS: 'prometheus' },
    check: async (servers) => {
      const recorded = await recordedAttempts(servers.on.url);
      if (!(recorded > 0)) throw new Error(`${adapter}: the metered app's /metrics shows no authentication attempt`);
      return { attemptsRecorded: recorded };
    },
  });
  return result;
}

/**
 * The sample app with `onEnv` next to the same app without it, each in its own server child (or,
 * with `oneProcess`, both in one child, as the twins are), in paired slices of GET /me/sub with
 * one token: the median of the per-round req/s ratios.
 */
export async function runPairedSampleApps(kit, adapter, options, { what, token, onEnv, check, oneProcess = false }) {
  const servers = oneProcess
    ? await startBothInOneProcess(kit, adapter, onEnv)
    : {
        off: await startSampleApp(kit, { adapter }),
        on: await startSampleApp(kit, { adapter, env: onEnv }),
      };
  try {
    const slice = (name, duration) =>
      runLoad({
        url: servers[name].url,
        path: '/me/sub',
        token,
        connections: options.connections,
        duration,
        server: servers[name],
      });
    for (const name of ['off', 'on'])
      assertClean(await slice(name, Math.max(options.warmup, 0.5)), `${adapter} ${what} warm-up`);
    const rounds = Math.max(2, Math.round(options.duration / options.slice));
    const seconds = options.duration / rounds;
    const runs = { off: [], on: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const name of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        const run = await slice(name, seconds);
        assertClean(run, `${adapter} ${what} slice`);
        runs[name].push(run);
      }
    }
    const checked = (await check?.(servers)) ?? {};
    const ratios = runs.on.map((run, round) => run.reqPerSec / runs.off[round].reqPerSec).sort((a, b) => a - b);
    const cpu = (list) =>
      (list.reduce((sum, run) => sum + run.serverCpuMs, 0) * 1000) / list.reduce((sum, run) => sum + run.total, 0);
    return {
      rounds,
      ratio: median(ratios),
      ratioQuartiles: [
        ratios[Math.floor(ratios.length / 4)],
        ratios[Math.min(ratios.length - 1, Math.floor((3 * ratios.length) / 4))],
      ],
      onReqPerSec: total(runs.on),
      offReqPerSec: total(runs.off),
      onCpuUsPerRequest: cpu(runs.on),
      offCpuUsPerRequest: cpu(runs.off),
      ...checked,
    };
  } finally {
    await servers.off.stop();
    await servers.on.stop();
  }
}

/** The authentication attempts the metered app's /metrics counts: proof that the metrics were on. */
/** Both apps in one server child: `off` and `on` are views of it, each at its own app's URL. */
async function startBothInOneProcess(kit, adapter, onEnv) {
  const server = await startSampleApp(kit, {
    adapter,
    apps: ['sample', 'sampleOn'],
    env: { BENCH_APP_ENV: JSON.stringify({ sampleOn: onEnv }) },
  });
  const view = (url) => ({ url, cpuMs: () => server.cpuMs(), stop: () => server.stop() });
  return { off: view(server.urls.sample), on: view(server.urls.sampleOn) };
}

async function recordedAttempts(url) {
  const { status, body } = await httpGet(`${url}/metrics`);
  if (status !== 200) throw new Error(`GET ${url}/metrics answered ${status}`);
  return body
    .split('\n')
    .filter((line) => line.startsWith('cognito_auth_authenticate_duration_count{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * µs per request of the guard on one reused token: nothing subscribed, a no-op subscriber on
 * the authenticate and authorize channels, and metrics on an SDK MeterProvider. Each round
 * measures the three in turn (in a rotated order), each on a new module (the metered one is
 * closed after its turn, so that its subscriptions do not reach the other two); what a mode
 * adds is the median over rounds of its difference from the round's unobserved run, so that a
 * machine whose load drifts between rounds moves both sides of each difference alike.
 * `withoutReader` adds a fourth mode: metrics on a MeterProvider without a reader, where the
 * SDK keeps nothing: what the module and its events cost, without the SDK's aggregation.
 */
export async function runInProcess(kit, requests, rounds, { withoutReader = false } = {}) {
  const token = kit.accessToken();
  const tokens = Array.from({ length: requests }, () => token);
  const options = kit.moduleOptions();
  const modes = {
    none: () => measureGuard({ ...options, metrics: false }, tokens),
    subscriber: () => withNoopSubscriber(() => measureGuard({ ...options, metrics: false }, tokens)),
    metrics: () =>
      withMeterProvider(WARM_UP + requests, (meterProvider) =>
        measureGuard({ ...options, metrics: { meterProvider } }, tokens),
      ),
  };
  if (withoutReader) {
    modes.withoutReader = async () => {
      const meterProvider = new MeterProvider();
      try {
        return await measureGuard({ ...options, metrics: { meterProvider } }, tokens);
      } finally {
        await meterProvider.shutdown();
      }
    };
  }
  const names = Object.keys(modes);
  const timings = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < names.length; turn += 1) {
      const name = names[(round + turn) % names.length];
      timings[name].push(await modes[name]());
    }
  }
  const added = (name) => median(timings[name].map((us, round) => us - timings.none[round]));
  return {
    requests,
    rounds,
    usPerRequest: median(timings.none),
    addedBySubscriberUs: added('subscriber'),
    addedByMetricsUs: added('metrics'),
    ...(withoutReader ? { addedByMetricsWithoutReaderUs: added('withoutReader') } : {}),
    timings,
  };
}

/** CPU µs per request of the guard of a new module on `tokens`, after a warm-up (the key set, the cache, the JIT). */
async function measureGuard(moduleOptions, tokens) {
  const { app, guard } = await createGuard(moduleOptions, 10_000);
  try {
    const handle = guardHandler(guard);
    await timeRequests(tokens.slice(0, WARM_UP), handle);
    return ((await timeRequests(tokens, handle)) * 1000) / tokens.length;
  } finally {
    await app.close();
  }
}

async function withNoopSubscriber(run) {
  const noop = () => undefined;
  for (const name of CHANNELS) diagnosticsChannel.subscribe(name, noop);
  try {
    return await run();
  } finally {
    for (const name of CHANNELS) diagnosticsChannel.unsubscribe(name, noop);
  }
}

/**
 * Runs `run(meterProvider)` on a new SDK MeterProvider, then checks that the provider's reader
 * counted each of the `attempts` requests as an authentication attempt: a measure of metrics
 * that recorded less would be a measure of less.
 */
async function withMeterProvider(attempts, run) {
  const reader = new QuietReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  try {
    const us = await run(meterProvider);
    const recorded = await recordedAttemptsIn(reader);
    if (recorded !== attempts) throw new Error(`metrics on: the reader counted ${recorded} attempts of ${attempts}`);
    return us;
  } finally {
    await meterProvider.shutdown();
  }
}

/** The count of `cognito_auth.authenticate.duration` over all its attribute sets, as the reader collects it. */
export async function recordedAttemptsIn(reader) {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === 'cognito_auth.authenticate.duration')
    .flatMap((metric) => metric.dataPoints)
    .reduce((sum, point) => sum + point.value.count, 0);
}

export function metricsGoals(results) {
  const goals = Object.entries(results.http).map(([adapter, m]) => ({
    adapter,
    goal: 'reused token, metrics on vs metrics: false',
    ratio: m.ratio,
    target: METRICS_GOAL,
    met: m.ratio >= METRICS_GOAL,
    text:
      `${adapter}: one reused token with metrics on (SDK MeterProvider + reader): ${pct(m.ratio)} ` +
      `(middle half of rounds ${pct(m.ratioQuartiles[0])}–${pct(m.ratioQuartiles[1])}) of the req/s with metrics: false ` +
      `(goal ≥ ${pct(METRICS_GOAL)}; ${Math.round(m.onReqPerSec)} vs ${Math.round(m.offReqPerSec)} req/s; ` +
      `${(m.onCpuUsPerRequest - m.offCpuUsPerRequest).toFixed(1)} µs srv CPU/req more)`,
  }));
  const p = results.inProcess;
  goals.push({
    goal: 'in process, reused token: cost of observability',
    met: true,
    text:
      `in process: a reused token costs the guard ${p.usPerRequest.toFixed(2)} µs; a diagnostics subscriber adds ` +
      `${p.addedBySubscriberUs.toFixed(2)} µs, metrics on an SDK MeterProvider ${p.addedByMetricsUs.toFixed(2)} µs ` +
      `(median of ${p.rounds} round(s) of ${p.requests} requests; no goal, reported)`,
  });
  return goals;
}

function assertClean(result, what) {
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${what}: non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function total(runs) {
  return (runs.reduce((sum, run) => sum + run.total, 0) / runs.reduce((sum, run) => sum + run.elapsedMs, 0)) * 1000;
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`;
}
