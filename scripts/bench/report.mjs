// Plain-text tables for the bench results.
const SCENARIO_LABEL = {
  health: '/health (public)',
  'me-one-token': '/me, one reused token',
  'me-sub-one-token': '/me/sub, one reused token',
  'me-distinct-tokens': '/me, new token per request',
  'control-health': 'control: /health',
  'control-me-one-token': 'control: /me, same token sent',
  'control-me-sub-one-token': 'control: /me/sub, same token sent',
  'raw-me-one-token': 'raw crypto: /me, one reused token',
  'aws-me-one-token': 'aws-jwt-verify: /me, one reused token',
  'raw-me-distinct-tokens': 'raw crypto: /me, new token per request',
  'aws-me-distinct-tokens': 'aws-jwt-verify: /me, new token per request',
};

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const fmt = (cells) =>
    cells
      .map((cell, i) => (align[i] === 'l' ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
      .join('  ');
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const num = (v, digits = 0) =>
  v === undefined || Number.isNaN(v)
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function formatHttp(http, servers) {
  const rows = http.map((r) => [
    r.adapter,
    SCENARIO_LABEL[r.scenario] ?? r.scenario,
    num(r.reqPerSec),
    num(r.ratioVsHealth, 3),
    num(r.ratioVsControl, 3),
    num(r.ratioVsRaw, 3),
    num(r.ratioVsAws, 3),
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
      [
        'adapter',
        'scenario',
        'req/s',
        'vs /health',
        'vs control',
        'vs raw',
        'vs aws',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'errors',
        'srv CPU µs/req',
        'srv CPU %',
        'loadgen CPU %',
      ],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
  for (const [adapter, s] of Object.entries(servers)) {
    const sent = Object.entries(s.distinctTokensSent)
      .map(([app, n]) => `${app} ${num(n)}`)
      .join(', ');
    lines.push(
      `${adapter}: one process (sample app + twins): JWKS fetches ${s.jwksFetches}; peak RSS ${num(s.peakRssMiB, 1)} MiB; ` +
        `distinct tokens sent in the measured slices: ${sent} (pool ${num(s.tokenPoolSize)}; no app got a token twice)`,
    );
  }
  lines.push(
    'Twins (scripts/bench/twin-apps.mjs), in the same process as the sample app: control = no verification, a fixed user; ' +
      'raw = parse + one crypto.verify with the known key; aws = a guard on aws-jwt-verify CognitoJwtVerifier (key set cached). ' +
      '"vs control/raw/aws": a sample app row against that twin\'s row of the same scenario; a twin\'s "vs /health" is against the control\'s /health.',
  );
  return lines.join('\n');
}

export function formatMemory(memory, cacheEntry) {
  const rows = [];
  for (const [adapter, m] of Object.entries(memory)) {
    for (const [app, label] of [
      ['sample', 'sample app (module)'],
      ['raw', 'raw-crypto twin'],
    ]) {
      const r = m[app];
      rows.push([
        adapter,
        label,
        num(r.tokens),
        num(r.rssAtStartMiB, 1),
        num(r.rssMiB, 1),
        num(r.peakRssMiB, 1),
        num(r.reqPerSec),
        num(r.serverCpuUsPerRequest, 1),
        r.jwksFetches,
      ]);
    }
    rows.push([
      adapter,
      'module − raw twin',
      '',
      num(m.sample.rssAtStartMiB - m.raw.rssAtStartMiB, 1),
      num(m.rssOverRawMiB, 1),
      num(m.peakOverRawMiB, 1),
      '',
      '',
      '',
    ]);
  }
  const lines = [
    table(
      [
        'adapter',
        'fresh process',
        'distinct tokens',
        'RSS at start MiB',
        'RSS after MiB',
        'peak RSS MiB',
        'req/s',
        'srv CPU µs/req',
        'JWKS fetches',
      ],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
  if (cacheEntry) {
    lines.push(
      `bytes per cache entry: ${num(cacheEntry.bytesPerEntry)} (${num(cacheEntry.entries)} distinct tokens through the guard in a child process: ` +
        `heap retained ${num(cacheEntry.cacheOn.retainedBytes / 1048576, 2)} MiB with the cache on, ${num(cacheEntry.cacheOff.retainedBytes / 1048576, 2)} MiB with it off)`,
    );
  }
  return lines.join('\n');
}

export function formatVerification(v) {
  const rows = v.rows.map((r) => [
    r.method,
    num(r.usPerToken, 1),
    num(r.tokensPerSec),
    num(r.rateVsRaw, 3),
    num(r.overheadUsVsRaw, 1),
  ]);
  return [
    table(['verification alone (in process)', 'µs/token', 'tokens/s', 'rate vs raw', '+µs vs raw'], rows, [
      'l',
      'r',
      'r',
      'r',
      'r',
    ]),
    `${v.tokens} distinct tokens per round, median of ${v.rounds} round(s); "cache full": ${v.cacheEntries} entries, each round's tokens new to it; JWKS fetches ${v.jwksFetches} (one per module application context; aws-jwt-verify uses cacheJwks)`,
  ].join('\n');
}

export function formatGoals(goals) {
  return ['Goals:', ...goals.map((g) => `${g.met ? 'MET    ' : 'NOT MET'}  ${g.text}`)].join('\n');
}
