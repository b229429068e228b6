/**
 * What an app pays at start-up for the module (a Lambda cold start above all): importing the main
 * entry and initialising an app with `CognitoAuthModule` load only the packages listed here. The
 * integrations (GraphQL, OpenAPI, socket.io, Redis, Terminus) load only when the app uses them,
 * `@nestjs/websockets` only in an app with gateways, the OpenTelemetry API only once an SDK has
 * registered on it, and the key-set client (jwks-rsa, jose) on the first key-set download. Child
 * processes import the built package, so this needs `npm run build:lib` first (as `npm test` does).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The packages the library's own files load at import and init, beyond `@nestjs/common` and
 * `@nestjs/core`: Passport and its JWT strategy (the `cognito-jwt` strategy is registered at
 * init) and the token cache.
 */
const LOADED_AT_START = ['lru-cache', 'passport', 'passport-jwt'];

/** Loaded by no app that does not use them: not by the module on its own. */
const NEVER_AT_START = [
  'graphql',
  '@nestjs/graphql',
  '@nestjs/apollo',
  '@apollo/server',
  '@nestjs/swagger',
  'swagger-ui-dist',
  '@nestjs/platform-socket.io',
  'socket.io',
  'ioredis',
  '@nestjs/terminus',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  'jwks-rsa',
  'jose',
];

/** An app with the module only, initialised: no key is fetched (`preloadKeys` is off by default). */
const OPTIONS = JSON.stringify({
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbCdEf123',
  clientId: '1example23456789',
});
const startApp = (load: (name: string) => string) => `
const { Module } = ${load('@nestjs/common')};
const { NestFactory } = ${load('@nestjs/core')};
const { CognitoAuthModule } = ${load('nestjs-cognito-auth')};
class AppModule {}
Module({ imports: [CognitoAuthModule.forRoot(${OPTIONS})] })(AppModule);
const app = await NestFactory.create(AppModule, { logger: false });
await app.init();
// The module's imports that finish after init (import() is asynchronous) are counted too.
await new Promise((resolve) => setTimeout(resolve, 200));
await app.close();`;

/** Reports every ESM resolution (the main entry is ESM) to the main thread: importer and result. */
const RECORD_RESOLUTIONS = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage({ specifier, parent: context.parentURL ?? '', url: resolved.url });
  return resolved;
}`;
const REGISTER_RECORDER = `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
globalThis.resolutions = [];
port1.on('message', (resolution) => globalThis.resolutions.push(resolution));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RECORD_RESOLUTIONS)}), { data: { port: port2 }, transferList: [port2] });`;

interface Loaded {
  /** Packages the library's own files import. */
  direct: string[];
  /** Every package loaded, by anyone. */
  all: string[];
}

const PACKAGE_OF = `const packageOf = (path) => path.match(/\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//)?.[1];
const fromLibrary = (path) => path.includes('/dist/') && !path.includes('/node_modules/');
const unique = (names) => [...new Set(names.filter(Boolean))].sort();
const isNest = (name) => name === '@nestjs/common' || name === '@nestjs/core';`;

async function loadedByEsm(): Promise<Loaded> {
  const script = `${startApp((name) => `await import('${name}')`)}
${PACKAGE_OF}
const { resolutions } = globalThis;
const cached = Object.keys(require.cache);
console.log(JSON.stringify({
  direct: unique(resolutions.filter((r) => fromLibrary(r.parent)).map((r) => packageOf(r.url))).filter((name) => !isNest(name)),
  all: unique([...resolutions.map((r) => packageOf(r.url)), ...cached.map(packageOf)]),
}));`;
  const preamble = `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/');`;
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(REGISTER_RECORDER)}`,
      '--input-type=module',
      '-e',
      `${preamble}\n${script}`,
    ],
    { cwd: ROOT, timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Loaded;
}

async function loadedByCommonJs(): Promise<Loaded> {
  // Nest first: the library's modules then list as their children only what they load themselves.
  const script = `(async () => {
require('@nestjs/common'); require('@nestjs/core');
${startApp((name) => `require('${name}')`)}
${PACKAGE_OF}
const modules = Object.values(require.cache);
console.log(JSON.stringify({
  direct: unique(modules.filter((m) => fromLibrary(m.filename)).flatMap((m) => m.children.map((child) => packageOf(child.filename)))).filter((name) => !isNest(name)),
  all: unique(modules.map((m) => packageOf(m.filename))),
}));
})();`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Loaded;
}

beforeAll(() => {
  if (!existsSync(`${ROOT}/dist/index.js`) || !existsSync(`${ROOT}/dist/cjs/index.js`)) {
    throw new Error('The package is not built: run `npm run build:lib` first');
  }
});

describe.each([
  ['ESM', loadedByEsm],
  ['CommonJS', loadedByCommonJs],
])('importing the main entry and initialising an app load only the start-up packages (%s)', (_, loadedBy) => {
  let loaded: Loaded;

  beforeAll(async () => {
    loaded = await loadedBy();
  });

  it('the library itself loads exactly the start-up packages', () => {
    expect(loaded.direct).toEqual(LOADED_AT_START);
  });

  it('no integration and no key-set client is loaded', () => {
    // The control: the recorder does see what the app loaded.
    expect(loaded.all).toEqual(expect.arrayContaining(['@nestjs/core', 'express', ...LOADED_AT_START]));
    expect(loaded.all.filter((name) => NEVER_AT_START.includes(name))).toEqual([]);
  });
});
