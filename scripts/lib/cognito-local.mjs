// Helpers around the `cognito-local` emulator (v5.3.0), for the demo (`npm start`) and the
// end-to-end tests. Loopback only; every emulator runs as a child process in its own
// temporary working directory (its data lives in `<tmp>/.cognito`) and stop() kills it by pid.
//
// Facts about cognito-local 5.3.0, read in node_modules/cognito-local/lib and checked by
// decoding real tokens:
// - Issuer: `http://127.0.0.1:<PORT>/<userPoolId>`. It comes from the config value
//   TokenConfig.IssuerDomain, which defaults to `http://${HOST}:${PORT}` from the env *as
//   given*: with PORT=0 the server binds a random port but the tokens say `:0`, so PORT=0 is
//   NOT usable. We pick a free port (bind 127.0.0.1:0, close, pass it) and retry if it is taken.
// - Pool ids look like `local_AbCd1234` (the emulator's region is always `local`).
// - JWKS: GET `<issuer>/.well-known/jwks.json` (any pool id answers) returns one key:
//   kty RSA, use sig, alg RS256, kid "CognitoLocal". The private key ships inside the npm
//   package (lib/keys/cognitoLocal.private.json): anybody can mint these tokens. Local use only.
// - `<issuer>/.well-known/openid-configuration` is hard-coded to http://localhost:9229: wrong
//   on any other port, so never use discovery against the emulator.
// - Header of every token: { alg: "RS256", typ: "JWT", kid: "CognitoLocal" }.
// - Access token claims: sub, token_use "access", client_id, username, scope
//   "aws.cognito.signin.user.admin" (the only scope it ever issues: a route needing
//   `orders/read` cannot be satisfied with emulator tokens), cognito:groups (only when the
//   user is in a group), auth_time, iat, exp, jti, event_id, iss. No `aud`, no origin_jti,
//   no version.
// - ID token claims: sub, token_use "id", aud (the client id), cognito:username, email,
//   email_verified (boolean), custom:* attributes, cognito:groups (when in a group),
//   auth_time, iat, exp, jti, event_id, iss.
// - Refresh token: also an RS256 JWT but with no kid (real Cognito's is opaque); do not rely on it.
// - Expiry: 24 h for access and ID tokens unless the app client sets AccessTokenValidity /
//   IdTokenValidity (+ TokenValidityUnits, which also accepts "seconds", unlike real Cognito).
// - By default the emulator's pools use UsernameAttributes ["email"] (user names must be
//   e-mails and the token `username` becomes the sub). We write `.cognito/config.json` with
//   UsernameAttributes [] so that `alice` stays `alice`.
// - Supported targets used here: CreateUserPool, CreateUserPoolClient (several per pool),
//   AdminCreateUser, AdminSetUserPassword (Permanent), CreateGroup, AdminAddUserToGroup,
//   InitiateAuth USER_PASSWORD_AUTH. No password policy and no ExplicitAuthFlows check.
// - The emulator does not check request signatures: dummy credentials are fine.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export const HOST = '127.0.0.1';
export const EMULATOR_REGION = 'local';
export const JWKS_PATH = '/.well-known/jwks.json';

const require = createRequire(import.meta.url);
const BIN = join(dirname(require.resolve('cognito-local/package.json')), 'lib/bin/start.js');
// The emulator colours its output: ESC starts each ANSI sequence.
// eslint-disable-next-line no-control-regex -- the emulator colours its output
const READY_LINE = /Cognito Local running on (https?:\/\/[^\s\u001b]+)/;
// eslint-disable-next-line no-control-regex -- the emulator colours its output
const ANSI = /\u001b\[[0-9;]*m/g;
const LOG_LINES_KEPT = 100;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 3;

// The child runs the emulator's bin in-process and, when its stdin closes (we died without
// calling stop()), removes its temporary directory and exits: no orphan is left behind.
// It ignores SIGINT (a terminal's Ctrl-C reaches the whole process group): the parent decides
// when it stops, by SIGTERM from stop() or by exiting.
const watchdogScript = (bin, dir) => `
process.on('SIGINT', () => {});
process.stdin.on('end', () => {
  require('node:fs').rmSync(${JSON.stringify(dir)}, { recursive: true, force: true });
  process.exit(0);
});
process.stdin.resume();
require(${JSON.stringify(bin)});`;

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts cognito-local on 127.0.0.1; resolves once it listens. */
export async function startCognitoLocal({ port } = {}) {
  const attempts = port ? 1 : START_ATTEMPTS;
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      return await startOnce(port ?? (await findFreePort()));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(port) {
  const cwd = await makeWorkDir(port);
  const child = spawnEmulator(cwd, port);
  const logs = collectLines(child);
  try {
    const url = await waitForReadyLine(child, logs, START_TIMEOUT_MS);
    return makeHandle({ child, cwd, port, url, logs });
  } catch (error) {
    await killChild(child);
    await rm(cwd, { recursive: true, force: true });
    throw error;
  }
}

async function makeWorkDir(port) {
  const cwd = await mkdtemp(join(tmpdir(), 'cognito-local-'));
  await mkdir(join(cwd, '.cognito'));
  const config = {
    UserPoolDefaults: { UsernameAttributes: [] },
    TokenConfig: { IssuerDomain: `http://${HOST}:${port}` },
  };
  await writeFile(join(cwd, '.cognito', 'config.json'), JSON.stringify(config, null, 2));
  return cwd;
}

function spawnEmulator(cwd, port) {
  const env = {
    ...process.env,
    HOST,
    PORT: String(port),
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
  delete env.DEBUG;
  delete env.COGNITO_LOCAL_DEVMODE;
  delete env.NODE_OPTIONS;
  return spawn(process.execPath, ['-e', watchdogScript(BIN, cwd)], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Keeps the last lines of the child's stdout and stderr (ANSI colours removed). */
function collectLines(child) {
  const lines = [];
  const listeners = new Set();
  const onChunk = (chunk) => {
    for (const raw of chunk.toString('utf8').split(/\r?\n/)) {
      const line = raw.replace(ANSI, '').trimEnd();
      if (!line) continue;
      lines.push(line);
      if (lines.length > LOG_LINES_KEPT) lines.shift();
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout.on('data', onChunk);
  child.stderr.on('data', onChunk);
  return { lines, listeners };
}

function waitForReadyLine(child, logs, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      logs.listeners.delete(onLine);
      child.off('exit', onExit);
      fn(value);
    };
    const fail = (why) => done(reject, new Error(`cognito-local ${why}. Last output:\n${logs.lines.join('\n')}`));
    const onLine = (line) => {
      const match = READY_LINE.exec(line);
      if (match) done(resolve, match[1]);
    };
    const onExit = (code, signal) => fail(`exited early (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    logs.listeners.add(onLine);
    child.once('exit', onExit);
  });
}

function makeHandle({ child, cwd, port, url, logs }) {
  const endpoint = `http://${HOST}:${port}`;
  if (url !== endpoint) throw new Error(`cognito-local listens on ${url}, expected ${endpoint}`);
  let stopping;
  return {
    endpoint,
    host: HOST,
    port,
    pid: child.pid,
    dataDir: join(cwd, '.cognito'),
    child,
    logs: () => [...logs.lines],
    stop: () => {
      stopping ??= killChild(child).then(() => rm(cwd, { recursive: true, force: true }));
      return stopping;
    },
  };
}

/** True while the process with this pid exists (signal 0 only checks). */
export function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** SIGTERM by pid, then SIGKILL after a grace period; resolves once the child has exited. */
export async function killChild(child, timeoutMs = STOP_TIMEOUT_MS) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  sendSignal(child.pid, 'SIGTERM');
  const timer = setTimeout(() => sendSignal(child.pid, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function sendSignal(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** An SDK client for the emulator: dummy credentials, no retries. */
export function makeClient(endpoint) {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: EMULATOR_REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function withClient(endpoint, fn) {
  const client = makeClient(endpoint);
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

/**
 * Creates a pool, an app client (no secret, USER_PASSWORD_AUTH), optionally a second one,
 * the groups named by the users, and the users (confirmed, permanent password).
 */
export function createPoolWithUsers(endpoint, options = {}) {
  const { users = [], extraClient = false, poolName = 'demo-pool', clientOptions = {} } = options;
  return withClient(endpoint, async (client) => {
    const userPoolId = await createPool(client, poolName);
    const clientId = await createAppClient(client, userPoolId, 'demo-client', clientOptions);
    const secondClientId = extraClient
      ? await createAppClient(client, userPoolId, 'demo-client-2', clientOptions)
      : undefined;
    await createGroups(client, userPoolId, users);
    for (const user of users) await createUser(client, userPoolId, user);
    const issuer = `${endpoint}/${userPoolId}`;
    return {
      userPoolId,
      clientId,
      ...(secondClientId ? { secondClientId } : {}),
      issuer,
      jwksUri: `${issuer}${JWKS_PATH}`,
      region: EMULATOR_REGION,
    };
  });
}

async function createPool(client, poolName) {
  const { UserPool } = await client.send(new CreateUserPoolCommand({ PoolName: poolName }));
  return UserPool.Id;
}

async function createAppClient(client, userPoolId, clientName, clientOptions) {
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: clientName,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      ...clientOptions,
    }),
  );
  return UserPoolClient.ClientId;
}

async function createGroups(client, userPoolId, users) {
  const names = new Set(users.flatMap((user) => user.groups ?? []));
  for (const GroupName of names) {
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName }));
  }
}

async function createUser(client, userPoolId, user) {
  const { username, password, groups = [], attributes = {} } = user;
  const userAttributes = { email: `${username}@example.com`, email_verified: 'true', ...attributes };
  await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: username,
      TemporaryPassword: password,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries(userAttributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    }),
  );
  for (const GroupName of groups) {
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName }));
  }
}

/** InitiateAuth USER_PASSWORD_AUTH; resolves to the three tokens. */
export function signIn(endpoint, { clientId, username, password }) {
  return withClient(endpoint, async (client) => {
    const { AuthenticationResult: result, ChallengeName } = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    if (!result) throw new Error(`sign-in of ${username} returned challenge ${ChallengeName}`);
    return {
      accessToken: result.AccessToken,
      idToken: result.IdToken,
      refreshToken: result.RefreshToken,
    };
  });
}

/** Decodes (without verifying) a JWT's header and payload. */
export function decodeJwt(token) {
  const [header, payload] = token.split('.').slice(0, 2).map(decodeSegment);
  return { header, payload };
}

function decodeSegment(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}
