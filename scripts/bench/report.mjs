// Plain-text tables for the bench results.
const SCENARIO_LABEL = {
  health: '/health (public)',
  'me-one-token': '/me, one reused token',
  'me-sub-one-token': '/me/sub, one reused token',
  'me-distinct-tokens': '/me, distinct tokens',
  'control-health': 'control: /health',
  'control-me-one-token': 'control: /me, same token sent',
  'control-me-sub-one-token': 'control: /me/sub, same token sent',
};

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const fmt = (cells) =>
    cells.map((cell, i) => (align[i] === 'l' ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const num = (v, digits = 0) => (v === undefined || Number.isNaN(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function formatHttp(http, servers) {
  const rows = http.map((r) => [
    r.adapter,
    SCENARIO_LABEL[r.scenario] ?? r.scenario,
    num(r.reqPerSec),
    num(r.ratioVsHealth, 3),
    num(r.cpuRatioVsHealth, 3),
    num(r.ratioVsControl, 3),
    num(r.latencyMs.p50, 1),
    num(r.latencyMs.p99, 1),
    r.non2xx,
    r.errors + r.timeouts,
    num(r.serverCpuUsPerRequest, 1),
    num(r.serverCpuPercent),
    num(r.loadGeneratorCpuPercent),
  ]);
  const lines = [
    table(
      ['adapter', 'scenario', 'req/s', 'vs /health', 'vs /health (CPU)', 'vs control', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'srv CPU µs/req', 'srv CPU %', 'loadgen CPU %'],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
  for (const [adapter, s] of Object.entries(servers)) {
    lines.push(
      `${adapter}: JWKS fetches ${s.jwksFetches}; at the end of the distinct-token run: peak RSS (VmHWM) ${num(s.peakRssMiB, 1)} MiB, ` +
        `RSS ${num(s.rssMiB, 1)} MiB (RSS after start-up ${num(s.rssAtStartMiB, 1)} MiB, before the run ${num(s.rssBeforeDistinctMiB, 1)} MiB); distinct tokens sent ${num(s.distinctTokensSent)} ` +
        `(pool ${num(s.tokenPoolSize)}, none repeated${s.exhausted ? ' — EXHAUSTED, result invalid' : ''})`,
    );
  }
  lines.push(
    'control: the sample app with the module taken out and a guard that reads the Authorization header and sets a fixed user ' +
      '(scripts/bench/control-app.mjs), in the same process as the sample app; its "vs /health" is against its own /health; ' +
      '"vs control" is a sample app row against its control twin. The distinct-token run and the memory readings: a separate sample app process',
  );
  return lines.join('\n');
}

export function formatVerification(v) {
  const rows = v.rows.map((r) => [r.method, num(r.usPerToken, 1), num(r.tokensPerSec), num(r.rateVsRaw, 3), num(r.overheadUsVsRaw, 1)]);
  return [
    table(['verification alone (in-process)', 'µs/token', 'tokens/s', 'rate vs raw', '+µs vs raw'], rows, ['l', 'r', 'r', 'r', 'r']),
    `${v.tokens} distinct tokens, median of ${v.rounds} round(s); JWKS fetches ${v.jwksFetches} (one per module application context; aws-jwt-verify uses cacheJwks)`,
  ].join('\n');
}

export function formatGoals(goals) {
  return goals.map((g) => `${g.informational ? 'INFO   ' : g.met ? 'MET    ' : 'NOT MET'}  ${g.text}`).join('\n');
}
