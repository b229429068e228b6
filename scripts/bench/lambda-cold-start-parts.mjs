// Where the module's share of a Lambda cold start goes, part by part, in the fresh process this
// script runs in. BENCH_LAMBDA_PARTS chooses what it does, and it prints one JSON line:
//   discover  loads the bench app with CognitoAuthModule (import, then init) and lists the
//             packages the library's own files import, in order, each with the phase that
//             pulled it (what the parts below are), and counts the library's own files.
//   bare      imports the bench app without the module and inits it: CPU ms of each step.
//   module    imports the bench app, then each package of BENCH_LAMBDA_PACKAGES (JSON, from
//             `discover`) on its own, then the library (only its own files are left to load),
//             then inits the app with the module: CPU ms of each step.
// The bench pool comes from BENCH_LAMBDA_POOL (JSON module options), as for the cold starts.
import { register } from 'node:module';
import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';

const mode = process.env.BENCH_LAMBDA_PARTS;
const pool = JSON.parse(process.env.BENCH_LAMBDA_POOL ?? '{}');
const moduleOptions = { ...pool, preloadKeys: 'off' };

/** Sees every ESM resolution (the library is ESM), reporting the library's imports of packages. */
const RECORD_PACKAGES = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const inLibrary = (url) => /^file:.*\\/dist\\/(?!cjs\\/).*\\.js$/.test(url ?? '') && !url.includes('/node_modules/');
  if (inLibrary(context.parentURL) && !specifier.startsWith('node:')) {
    port.postMessage({ specifier, url: resolved.url, at: performance.timeOrigin + performance.now() });
  }
  return resolved;
}`;

const cpuMs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

/** Runs each step in order and returns `[name, CPU ms]` per step. */
async function timeSteps(steps) {
  const times = [];
  for (const [name, step] of steps) {
    const before = process.cpuUsage();
    await step();
    times.push([name, cpuMs(before)]);
  }
  return times;
}

async function discover() {
  const { port1, port2 } = new MessageChannel();
  const seen = [];
  port1.on('message', (message) => seen.push(message));
  register(`data:text/javascript,${encodeURIComponent(RECORD_PACKAGES)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  const { createHandler } = await import('./lambda-app-cognito.mjs');
  const imported = performance.timeOrigin + performance.now();
  await createHandler(moduleOptions);
  // The hooks' thread posts asynchronously: let the last messages arrive.
  await new Promise((resolve) => setTimeout(resolve, 100));
  port1.close();
  const packages = new Map();
  const libraryFiles = new Set();
  for (const { specifier, url, at } of seen) {
    if (specifier.startsWith('.')) libraryFiles.add(url);
    else if (!/^@nestjs\/(common|core)$/.test(specifier) && !packages.has(specifier)) {
      packages.set(specifier, at <= imported ? 'import' : 'init');
    }
  }
  return {
    packages: [...packages].map(([specifier, phase]) => ({ specifier, phase })),
    // The entry point itself, plus every file it reaches.
    libraryFiles: libraryFiles.size + 1,
  };
}

async function bare() {
  let app;
  return timeSteps([
    ['app', async () => (app = await import('./lambda-bench-app.mjs'))],
    ['init', () => app.createLambdaHandler(app.defineAppModule([], () => ({ sub: 'fixed' })))],
  ]);
}

async function withModule() {
  const packages = JSON.parse(process.env.BENCH_LAMBDA_PACKAGES ?? '[]');
  let app;
  let library;
  return timeSteps([
    ['app', async () => (app = await import('./lambda-bench-app.mjs'))],
    ...packages.map(({ specifier }) => [specifier, () => import(specifier)]),
    ['library', async () => (library = await import('nestjs-cognito-auth'))],
    [
      'init',
      () =>
        app.createLambdaHandler(
          app.defineAppModule([library.CognitoAuthModule.forRoot(moduleOptions)], (request) => request.user),
        ),
    ],
    // Not part of the cold start without preloadKeys: loaded on the first key-set download.
    ['jwks-rsa', () => import('jwks-rsa')],
  ]);
}

const modes = { discover, bare, module: withModule };
if (!modes[mode]) throw new Error(`unknown BENCH_LAMBDA_PARTS ${mode}`);
process.stdout.write(`${JSON.stringify(await modes[mode]())}\n`);
process.exit(0);
