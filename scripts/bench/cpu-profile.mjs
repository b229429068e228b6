// Summarises a V8 .cpuprofile: self time by package/area, top self-time functions, and the
// inclusive time of the module's own functions. Also a CLI:
//   node scripts/bench/cpu-profile.mjs <file.cpuprofile> [--top N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a frame lives: a package, the module's dist, the sample app, a node: area, or a V8 pseudo-frame. */
export function areaOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (idle) (program) (garbage collector) (root)
    return 'native';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return parts[0] === 'internal' ? `node:${parts[1] ?? 'internal'}` : `node:${parts[0]}`;
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(`${ROOT}sample-app/`)) return 'sample-app';
  if (path.startsWith(`${ROOT}dist/`)) return 'nestjs-cognito-auth';
  if (path.startsWith(`${ROOT}scripts/`)) return 'bench script';
  return 'other';
}

function shortLocation(callFrame) {
  const { url, lineNumber } = callFrame;
  if (!url) return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) path = path.slice(nm + '/node_modules/'.length);
  else if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  return `${path}:${lineNumber + 1}`;
}

const frameKey = (cf) => `${cf.functionName || '(anonymous)'} ${shortLocation(cf)}`;

/**
 * @param profile a V8 CPU profile ({nodes, samples, timeDeltas})
 * @returns a JSON-friendly summary; all times in ms
 */
export function summariseProfile(profile, { top = 25 } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const inclusive = new Map();
  const areaSelf = new Map();
  let total = 0;
  let idle = 0;
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i += 1) {
    const ms = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(samples[i]);
    total += ms;
    const area = areaOf(node.callFrame);
    if (area === '(idle)') {
      idle += ms;
      continue;
    }
    add(areaSelf, area, ms);
    add(self, frameKey(node.callFrame), ms);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const key = frameKey(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, ms);
    }
  }
  const busy = total - idle;
  const pct = (ms) => (busy > 0 ? (ms / busy) * 100 : 0);
  const sortDesc = (map) => [...map].sort((a, b) => b[1] - a[1]);
  const moduleFrames = sortDesc(inclusive)
    .filter(([key]) => key.includes(' dist/') && !key.startsWith('('))
    .slice(0, top);
  return {
    sampledMs: total,
    idleMs: idle,
    busyMs: busy,
    byArea: sortDesc(areaSelf).map(([area, ms]) => ({ area, selfMs: ms, percent: pct(ms) })),
    topSelf: sortDesc(self)
      .slice(0, top)
      .map(([frame, ms]) => ({ frame, selfMs: ms, percent: pct(ms) })),
    moduleInclusive: moduleFrames.map(([frame, ms]) => ({ frame, inclusiveMs: ms, percent: pct(ms) })),
    topInclusive: sortDesc(inclusive)
      .slice(0, 2 * top)
      .map(([frame, ms]) => ({ frame, inclusiveMs: ms, percent: pct(ms) })),
  };
}

export function formatSummary(title, summary, { top = 25 } = {}) {
  const lines = [];
  const ms = (v) => v.toFixed(0).padStart(7);
  const p = (v) => `${v.toFixed(1).padStart(5)}%`;
  lines.push(
    `${title}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.sampledMs.toFixed(0)} ms sampled (percentages of busy time)`,
  );
  lines.push('  self time by area:');
  for (const row of summary.byArea.slice(0, 14)) lines.push(`    ${ms(row.selfMs)} ms ${p(row.percent)}  ${row.area}`);
  lines.push(`  top ${top} functions by self time:`);
  for (const row of summary.topSelf.slice(0, top))
    lines.push(`    ${ms(row.selfMs)} ms ${p(row.percent)}  ${row.frame}`);
  if (summary.moduleInclusive.length) {
    lines.push('  nestjs-cognito-auth functions, inclusive time:');
    for (const row of summary.moduleInclusive.slice(0, 15))
      lines.push(`    ${ms(row.inclusiveMs)} ms ${p(row.percent)}  ${row.frame}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node scripts/bench/cpu-profile.mjs <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex === -1 ? 25 : Number(process.argv[topIndex + 1]);
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), { top });
  process.stdout.write(`${formatSummary(file, summary, { top })}\n`);
}
