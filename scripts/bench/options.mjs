// Command-line flags of `npm run bench` (scripts/bench.mjs).
const HELP = `Usage: npm run bench -- [options]   (or: node scripts/bench.mjs [options] after "npm run build")

  --duration N        seconds per measured HTTP scenario (default 20)
  --slice N           the scenarios compared alternate in slices this long, seconds (default 1)
  --warmup N          seconds of warm-up of each reused-token scenario (default 2)
  --connections N     autocannon connections (default 64), pipelining 1
  --adapter NAME      express | fastify | both (default both)
  --verify-tokens N   distinct tokens for the verification-alone section (default 5000)
  --rounds N          rounds of the verification-alone and Lambda cold-start sections, median reported (default 5)
  --memory-tokens N   distinct tokens sent to each fresh process of the memory run (default 100000)
  --cache-entries N   cache entries measured for the bytes-per-entry reading (default 10000)
  --tenants N         pools of the many-tenant scenario (default 1000)
  --only PART         http | verify | memory | tenants | lambda | metrics | transform: run one part only
  --profile           also CPU-profile the cold path (distinct tokens): the server child during a
                      distinct-token run, and the module's verification path in-process
  --no-pin            do not pin the server processes to the last CPU (taskset); pinned by default
  --quick             smoke run: --duration 2 --slice 0.5 --warmup 1 --verify-tokens 1000 --rounds 1
                      --memory-tokens 20000 --cache-entries 2000
  --out DIR           where the JSON goes (default bench-results)
  -h, --help          this text
`;

export function parseOptions(argv) {
  const quick = argv.includes('--quick');
  const options = {
    duration: quick ? 2 : 20,
    warmup: quick ? 1 : 2,
    slice: quick ? 0.5 : 1,
    connections: 64,
    adapters: ['express', 'fastify'],
    verifyTokens: quick ? 1000 : 5000,
    rounds: quick ? 1 : 5,
    distinctWarmupRequests: quick ? 600 : 2000,
    memoryTokens: quick ? 20_000 : 100_000,
    cacheEntries: quick ? 2_000 : 10_000,
    tenants: 1000,
    only: undefined,
    profile: false,
    pin: true,
    quick,
    out: 'bench-results',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--no-pin':
        options.pin = false;
        break;
      case '--duration':
        options.duration = positive(flag, value());
        break;
      case '--slice':
        options.slice = positive(flag, value());
        break;
      case '--warmup':
        options.warmup = positive(flag, value(), 0);
        break;
      case '--connections':
        options.connections = Math.round(positive(flag, value()));
        break;
      case '--verify-tokens':
        options.verifyTokens = Math.round(positive(flag, value()));
        break;
      case '--memory-tokens':
        options.memoryTokens = Math.round(positive(flag, value()));
        break;
      case '--cache-entries':
        options.cacheEntries = Math.round(positive(flag, value()));
        break;
      case '--tenants':
        options.tenants = Math.round(positive(flag, value()));
        break;
      case '--rounds':
        options.rounds = Math.round(positive(flag, value()));
        break;
      case '--adapter': {
        const v = value();
        if (v === 'both') options.adapters = ['express', 'fastify'];
        else if (v === 'express' || v === 'fastify') options.adapters = [v];
        else fail(`--adapter must be express, fastify or both, got ${v}`);
        break;
      }
      case '--only': {
        const v = value();
        if (!['http', 'verify', 'memory', 'tenants', 'lambda', 'metrics', 'transform'].includes(v))
          fail(`--only must be http, verify, memory, tenants, lambda, metrics or transform, got ${v}`);
        options.only = v;
        break;
      }
      case '--out':
        options.out = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${arg}`);
    }
  }
  return options;
}

function positive(flag, raw, minimum) {
  const n = Number(raw);
  const ok = Number.isFinite(n) && (minimum === undefined ? n > 0 : n >= minimum);
  if (!ok) fail(`${flag} must be a number ${minimum === undefined ? '> 0' : `>= ${minimum}`}, got ${raw}`);
  return n;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}
