#!/usr/bin/env node
// `npm start`: a local Cognito emulator, a pool with alice (group admin) and bob (no group),
// and the sample app wired to it. Prints tokens and curl commands; Ctrl-C
// stops everything. `--smoke` (or DEMO_SMOKE=1) checks a few routes, stops, exits 0 or 1.
//
// Environment: PORT (sample app port, default 3000); COGNITO_TOKEN_USE and HTTP_ADAPTER are
// passed through to the sample app; DEMO_APP_MAIN overrides the app entry (for tests).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sampleAppEnv } from './lib/sample-env.mjs';
import { createPoolWithUsers, HOST, killChild, signIn, startCognitoLocal } from './lib/cognito-local.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP_MAIN = resolve(ROOT, process.env.DEMO_APP_MAIN ?? 'sample-app/dist/main.js');
const SMOKE = process.argv.includes('--smoke') || process.env.DEMO_SMOKE === '1';
const APP_PORT = parsePort(process.env.PORT ?? '3000');
const BASE_URL = `http://${HOST}:${APP_PORT}`;
const HEALTH_TIMEOUT_MS = 30_000;
const HEALTH_POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 5_000;
const UNEXPECTED_EXIT_GRACE_MS = 200;
// Demo-only credential of the throw-away users; never printed.
const DEMO_PASSWORD = 'Demo-Passw0rd!';
const USERS = [
  { username: 'alice', password: DEMO_PASSWORD, groups: ['admin'] },
  { username: 'bob', password: DEMO_PASSWORD, groups: [] },
];

const state = { emulator: undefined, app: undefined, stopping: false };

installSignalHandlers();
main().catch((error) => fail(error));

async function main() {
  await ensureBuilt();
  await assertPortFree(APP_PORT);
  state.emulator = await startCognitoLocal();
  exitWhenChildDies(state.emulator.child, 'cognito-local', state.emulator.logs);
  const pool = await createPoolWithUsers(state.emulator.endpoint, { users: USERS });
  const tokens = await signInUsers(state.emulator.endpoint, pool.clientId);
  state.app = startSampleApp(pool);
  exitWhenChildDies(state.app, 'sample app', () => []); // its output is already on stderr
  await waitForHealth(state.app);
  printInstructions(pool, tokens);
  if (SMOKE) await shutdown((await runSmokeChecks(tokens)) ? 0 : 1);
  else note('\nPress Ctrl-C to stop the sample app and the emulator.');
}

function parsePort(value) {
  const port = Number(value);
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  note(`PORT must be an integer between 1 and 65535, got "${value}"`);
  process.exit(1);
}

// ---------------------------------------------------------------- build and port checks

async function ensureBuilt() {
  if (existsSync(APP_MAIN)) return;
  if (process.env.DEMO_APP_MAIN) throw new Error(`DEMO_APP_MAIN: ${APP_MAIN} does not exist`);
  note(`${APP_MAIN} is missing: running "npm run build" first...`);
  const code = await runToExit(npmCommand(['run', 'build']));
  if (code !== 0) throw new Error(`"npm run build" failed (exit code ${code})`);
  if (!existsSync(APP_MAIN)) throw new Error(`"npm run build" did not produce ${APP_MAIN}`);
}

function npmCommand(args) {
  const npmCli = process.env.npm_execpath;
  return npmCli ? [process.execPath, [npmCli, ...args]] : ['npm', args];
}

function runToExit([command, args]) {
  return new Promise((resolveExit, reject) => {
    // The build's output goes to stderr so that stdout stays copy-pasteable.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveExit(code ?? signal));
  });
}

function assertPortFree(port) {
  return new Promise((resolveFree, reject) => {
    const probe = createServer();
    probe.once('error', (error) => {
      const busy = error.code === 'EADDRINUSE';
      reject(busy ? new Error(`port ${port} on ${HOST} is already in use: set PORT to a free port`) : error);
    });
    probe.listen(port, HOST, () => probe.close(() => resolveFree()));
  });
}

// ---------------------------------------------------------------- emulator side

async function signInUsers(endpoint, clientId) {
  const sign = (username) => signIn(endpoint, { clientId, username, password: DEMO_PASSWORD });
  const [alice, bob] = await Promise.all([sign('alice'), sign('bob')]);
  return { accessToken: alice.accessToken, idToken: alice.idToken, bobAccessToken: bob.accessToken };
}

// ---------------------------------------------------------------- sample app side

function startSampleApp(pool) {
  const env = {
    ...process.env,
    HOST,
    PORT: String(APP_PORT),
    ...sampleAppEnv(pool),
  };
  // `node -e` imports the app's main in-process and exits when our pipe closes, so the app
  // cannot outlive this script even if it is killed with SIGKILL.
  const child = spawn(process.execPath, ['-e', appWatchdogScript(APP_MAIN)], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  forwardAppOutput(child);
  return child;
}

function appWatchdogScript(main) {
  const url = JSON.stringify(pathToFileURL(main).href);
  return `process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); import(${url});`;
}

/** App logs go to stderr, prefixed, so that stdout only holds the copy-pasteable lines. */
function forwardAppOutput(child) {
  const onChunk = (chunk) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      process.stderr.write(`[sample-app] ${line}\n`);
    }
  };
  child.stdout.on('data', onChunk);
  child.stderr.on('data', onChunk);
}

async function waitForHealth(app) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (app.exitCode !== null || app.signalCode !== null) throw new Error('the sample app exited');
    if ((await getStatus('/health')) === 200) return;
    await sleep(HEALTH_POLL_MS);
  }
  throw new Error(`the sample app did not answer 200 on ${BASE_URL}/health within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

async function getStatus(path, token) {
  try {
    return (await request(path, token)).status;
  } catch {
    return undefined;
  }
}

async function request(path, token, method = 'GET') {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.text();
  return { status: response.status, body };
}

// ---------------------------------------------------------------- output

function printInstructions(pool, tokens) {
  const curl = `curl -s ${BASE_URL}`;
  const bearer = (name) => `-H "Authorization: Bearer $${name}"`;
  const metrics =
    process.env.COGNITO_METRICS === 'prometheus'
      ? `${curl}/metrics | grep '^cognito_auth'`
      : `# Metrics: run COGNITO_METRICS=prometheus npm start, then: ${curl}/metrics | grep '^cognito_auth'`;
  print(`
cognito-local emulator: ${state.emulator.endpoint} (pool ${pool.userPoolId}, app client ${pool.clientId})
sample app:             ${BASE_URL}

WARNING: the emulator signs tokens with a private key that ships inside the cognito-local package; anyone can mint them. Local use only.

# alice is in group "admin", bob in none; tokens are valid for 24 hours
export ACCESS_TOKEN=${tokens.accessToken}
export ID_TOKEN=${tokens.idToken}
export BOB_ACCESS_TOKEN=${tokens.bobAccessToken}

${curl}/health
${curl}/me ${bearer('ACCESS_TOKEN')}
${curl}/admin ${bearer('ACCESS_TOKEN')}
curl -si ${BASE_URL}/admin ${bearer('BOB_ACCESS_TOKEN')}  # 403: bob is not in group admin
curl -si ${BASE_URL}/me  # 401: no token
curl -si ${BASE_URL}/orders ${bearer('ACCESS_TOKEN')}  # 403: the emulator only issues scope aws.cognito.signin.user.admin
# ID_TOKEN is refused while COGNITO_TOKEN_USE is "access" (default); run COGNITO_TOKEN_USE=any npm start to accept it.

# Swagger UI: ${BASE_URL}/docs  (Authorize, then paste $ACCESS_TOKEN as the "cognito" value)
# GraphQL:    ${BASE_URL}/graphql
${curl}/graphql ${bearer('ACCESS_TOKEN')} -H 'content-type: application/json' -d '{"query":"{ me { sub username groups } }"}'

# socket.io, namespace /events: "whoami" is acknowledged with alice's sub (run from this folder)
${socketLine('ACCESS_TOKEN')}

# The key sets and the revocation store, as a health check sees them
${curl}/health/auth
${metrics}

# Sign out: revokes alice's sign-in (her access and ID tokens) until they expire
curl -si -X POST ${BASE_URL}/logout ${bearer('ACCESS_TOKEN')}  # 204
curl -si ${BASE_URL}/me ${bearer('ACCESS_TOKEN')}  # now 401 invalid_token: "The token has been revoked"`);
}

/** A node one-liner that asks the sample app's gateway "whoami" with the token in $name. */
function socketLine(name) {
  const url = `${BASE_URL}/events`;
  return [
    `node -e "const s = require('socket.io-client').io('${url}', { auth: { token: process.env.${name} } });`,
    `s.on('connect_error', (e) => { console.log(e.data ?? e.message); process.exit(1); });`,
    `s.emit('whoami', {}, (reply) => { console.log(JSON.stringify(reply)); process.exit(0); });"`,
  ].join(' ');
}

function print(text) {
  process.stdout.write(`${text}\n`);
}

function note(text) {
  process.stderr.write(`${text}\n`);
}

// ---------------------------------------------------------------- smoke checks

async function runSmokeChecks(tokens) {
  const checks = [
    { name: 'GET /health', path: '/health', expect: 200 },
    { name: 'GET /me as alice', path: '/me', token: tokens.accessToken, expect: 200, user: 'alice' },
    { name: 'GET /me without token', path: '/me', expect: 401 },
    { name: 'GET /admin as alice', path: '/admin', token: tokens.accessToken, expect: 200 },
    { name: 'GET /admin as bob', path: '/admin', token: tokens.bobAccessToken, expect: 403 },
    // Last: bob's token is revoked from here on.
    { name: 'POST /logout as bob', method: 'POST', path: '/logout', token: tokens.bobAccessToken, expect: 204 },
    { name: 'GET /me as bob after logout', path: '/me', token: tokens.bobAccessToken, expect: 401 },
  ];
  let ok = true;
  for (const check of checks) ok = (await runSmokeCheck(check)) && ok;
  print(ok ? 'smoke: all checks passed' : 'smoke: FAILED');
  return ok;
}

async function runSmokeCheck({ name, method, path, token, expect, user }) {
  const { status, body } = await request(path, token, method).catch((error) => ({ status: error.message }));
  const passed = status === expect && (!user || usernameOf(body) === user);
  print(
    `smoke: ${name} -> ${status} (expected ${expect}${user ? `, username ${user}` : ''}) ${passed ? 'ok' : 'FAIL'}`,
  );
  return passed;
}

function usernameOf(body) {
  try {
    return JSON.parse(body).username;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- lifecycle

function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (!state.stopping) note(`\n${signal}: stopping the sample app and the emulator...`);
      shutdown(0);
    });
  }
}

/** If a child dies while we are not stopping, stop the other one and exit non-zero. */
function exitWhenChildDies(child, name, recentOutput) {
  child.once('exit', (code, signal) => {
    // A Ctrl-C in a terminal reaches the children too: give our own handler a moment to run.
    setTimeout(() => {
      if (state.stopping) return;
      const output = recentOutput().slice(-20).join('\n');
      note(`${name} exited unexpectedly (code ${code}, signal ${signal}).`);
      if (output) note(`Last output of ${name}:\n${output}`);
      shutdown(1);
    }, UNEXPECTED_EXIT_GRACE_MS);
  });
}

async function shutdown(code) {
  if (state.stopping) return;
  state.stopping = true;
  try {
    if (state.app) await killChild(state.app);
    if (state.emulator) await state.emulator.stop();
  } catch (error) {
    note(`cleanup failed: ${error.message}`);
    code = 1;
  }
  process.exit(code);
}

async function fail(error) {
  if (state.stopping) return;
  note(`demo failed: ${error.message}`);
  await shutdown(1);
}

function sleep(ms) {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
