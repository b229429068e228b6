// One cold start, in the fresh process this script runs in: import the handler's code, init
// (bootstrap), the first invocation, then a warm one. Prints one JSON line of milliseconds.
// The scenario comes from BENCH_LAMBDA_SCENARIO, the pool from BENCH_LAMBDA_POOL (JSON module
// options), the token from BENCH_LAMBDA_TOKEN. Timings start when this script starts running.
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

const started = performance.now();
const startedCpu = process.cpuUsage();
/** CPU milliseconds (user + system) since `since`: unlike wall time, barely moved by other processes. */
const cpuMsSince = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};
/** Key-set downloads, from the module's own events: how many ended in each phase. */
const downloads = { init: 0, first: 0, warm: 0 };
let phase = 'init';
diagnosticsChannel.subscribe('nestjs-cognito-auth:jwks', () => {
  downloads[phase] += 1;
});
const scenario = process.env.BENCH_LAMBDA_SCENARIO;
const pool = JSON.parse(process.env.BENCH_LAMBDA_POOL ?? '{}');
const token = process.env.BENCH_LAMBDA_TOKEN;

const SCENARIOS = {
  /** A Nest app without the module. */
  bare: () =>
    twoPhases(
      () => import('./lambda-app-bare.mjs'),
      ({ createHandler }) => createHandler(),
    ),
  /** The same app with CognitoAuthModule. */
  module: () => cognitoApp('off'),
  'module-preload': () => cognitoApp('best-effort'),
  /** The sample app's Lambda handler (sample-app/dist/lambda-handler.js). */
  sample: () => sampleApp('off'),
  'sample-preload': () => sampleApp('best-effort'),
  /** nestjs-cognito-auth/lambda alone: createCognitoAuthorizer. */
  authorizer: () =>
    twoPhases(
      () => import('nestjs-cognito-auth/lambda'),
      async ({ createCognitoAuthorizer }) => authorizerHandler(createCognitoAuthorizer({ ...pool })),
    ),
};

function cognitoApp(preloadKeys) {
  return twoPhases(
    () => import('./lambda-app-cognito.mjs'),
    ({ createHandler }) => createHandler({ ...pool, preloadKeys }),
  );
}

function sampleApp(preloadKeys) {
  Object.assign(process.env, sampleEnv(pool), { COGNITO_PRELOAD_KEYS: preloadKeys });
  return twoPhases(
    () => import('../../sample-app/dist/lambda-handler.js'),
    async ({ createSampleLambda }) => createSampleLambda(process.env, { logger: ['error'] }).bootstrap(),
  );
}

function sampleEnv(options) {
  return {
    COGNITO_REGION: options.region,
    COGNITO_USER_POOL_ID: options.userPoolId,
    COGNITO_CLIENT_ID: options.clientId,
    COGNITO_ISSUER: options.issuer,
    COGNITO_JWKS_URI: options.jwksUri,
  };
}

/** The authorizer as an HTTP-like handler: an Allow is a 200. */
function authorizerHandler(authorizer) {
  return async (event) => {
    const result = await authorizer({
      type: 'TOKEN',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/me',
      authorizationToken: event.headers.authorization,
    });
    return { statusCode: result.policyDocument.Statement[0].Effect === 'Allow' ? 200 : 403 };
  };
}

/** Times `load` (the import) and `init` (the bootstrap), and returns the handler. */
async function twoPhases(load, init) {
  const loaded = await load();
  const imported = performance.now();
  const importCpuMs = cpuMsSince(startedCpu);
  const importedCpu = process.cpuUsage();
  const handler = await init(loaded);
  return {
    handler,
    importMs: imported - started,
    initMs: performance.now() - imported,
    importCpuMs,
    initCpuMs: cpuMsSince(importedCpu),
  };
}

/** An HTTP API (payload 2.0) event, built here: the testing kit would load Nest before the measure. */
function httpApiEvent() {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/me',
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, host: 'abcdef1234.execute-api.us-east-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method: 'GET', path: '/me', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: String(now),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

const CONTEXT = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 };

async function invoke(handler) {
  const before = performance.now();
  const response = await handler(httpApiEvent(), CONTEXT, () => undefined);
  if (response.statusCode !== 200) throw new Error(`${scenario}: status ${response.statusCode}`);
  return performance.now() - before;
}

const run = SCENARIOS[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const { handler, ...startup } = await run();
phase = 'first';
const firstMs = await invoke(handler);
phase = 'warm';
const warmMs = await invoke(handler);
process.stdout.write(`${JSON.stringify({ scenario, ...startup, firstMs, warmMs, downloads })}\n`);
process.exit(0);
