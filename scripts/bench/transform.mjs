// The cost of the app's own user (transformUser) on the reused-token path: the sample app with
// COGNITO_PROFILES=demo (a ProfileTransformer class, one principal per token) next to the same
// app without a transformer, both in one server child (two server processes differ by about as
// much CPU per request as what is measured), in paired slices of GET /me/sub with one token of a
// user the demo directory knows.
import { runPairedSampleApps } from './metrics.mjs';

export const TRANSFORM_GOAL = 0.97;

export async function runTransformBench(kit, adapters, options, log) {
  const http = {};
  for (const adapter of adapters) {
    log(`${adapter}: transformUser on vs off, reused token on /me/sub, both apps in one server child`);
    http[adapter] = await runPairedSampleApps(kit, adapter, options, {
      what: 'transformUser',
      token: kit.accessToken({ username: 'alice' }),
      onEnv: { COGNITO_PROFILES: 'demo' },
      oneProcess: true,
    });
  }
  return { http };
}

export function transformGoals(results) {
  return Object.entries(results.http).map(([adapter, m]) => ({
    adapter,
    goal: 'reused token, transformUser on vs off',
    ratio: m.ratio,
    target: TRANSFORM_GOAL,
    met: m.ratio >= TRANSFORM_GOAL,
    text:
      `${adapter}: one reused token with transformUser (a class, once per token): ${pct(m.ratio)} ` +
      `(middle half of rounds ${pct(m.ratioQuartiles[0])}–${pct(m.ratioQuartiles[1])}) of the req/s without it ` +
      `(goal ≥ ${pct(TRANSFORM_GOAL)}; ${Math.round(m.onReqPerSec)} vs ${Math.round(m.offReqPerSec)} req/s; ` +
      `${(m.onCpuUsPerRequest - m.offCpuUsPerRequest).toFixed(1)} µs srv CPU/req more)`,
  }));
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`;
}
