// The `npm start` demo: build once, then run scripts/demo.mjs as a real child
// process on loopback. Checks what it prints, that its tokens work against the running sample
// app, and that it leaves no process, port or temporary folder behind however it is stopped.
//
// The build runs in a private copy of the project (sources, scripts, package.json and
// tsconfigs, node_modules symlinked): `npm run build` starts with `rm -rf dist`, and other test
// files build or pack in /work/main/dist concurrently, so building in place would race both ways.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, findFreePort, isProcessAlive } from '../scripts/lib/cognito-local.mjs';
import { bearer, get } from './support/http.js';

const SOURCE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT_FILES = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.build.cjs.json',
  'lib',
  'scripts',
  'sample-app/src',
  'sample-app/tsconfig.json',
];
/** The private copy of the project where the demo is built and run (see the header). */
let ROOT = '';
let DEMO = '';
const DEMO_PASSWORD = 'Demo-Passw0rd!'; // scripts/demo.mjs: must never be printed
const BUILD_TIMEOUT_MS = 300_000;
const READY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 8_000;
/** A demo's whole run: the emulator, the pool, the app, its checks, its stop; slower on a busy machine. */
const DEMO_TEST_TIMEOUT_MS = 90_000;
const execFileAsync = promisify(execFile);
const JWT = '[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';

interface Demo {
  child: ChildProcess;
  pid: number;
  appPort: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every pid this file started or saw as a child of a demo: killed in afterAll if still alive. */
const knownPids = new Set<number>();

function startDemo(args: string[], appPort: number, { detached = false } = {}): Demo {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(appPort) };
  for (const name of [
    'COGNITO_TOKEN_USE',
    'COGNITO_METRICS',
    'HTTP_ADAPTER',
    'DEMO_APP_MAIN',
    'DEMO_SMOKE',
    'NODE_OPTIONS',
  ])
    delete env[name];
  const child = spawn(process.execPath, [DEMO, ...args], {
    cwd: ROOT,
    env,
    detached,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the demo did not start');
  knownPids.add(child.pid);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, pid: child.pid, appPort, stdout: () => out, stderr: () => err, exited };
}

/** The socket.io one-liner the demo printed. */
function socketLine(demo: Demo): string {
  const line = demo
    .stdout()
    .split('\n')
    .find((candidate) => candidate.startsWith('node -e "'));
  if (!line) throw new Error(`the socket.io line was not printed\n${describeOutput(demo)}`);
  return line;
}

const describeOutput = (demo: Demo) => `stdout:\n${demo.stdout()}\nstderr (tail):\n${demo.stderr().slice(-3000)}`;

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the demo has printed its instructions and is waiting for Ctrl-C. */
async function waitUntilReady(demo: Demo): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/Press Ctrl-C/.test(demo.stderr()) || !/^export BOB_ACCESS_TOKEN=/m.test(demo.stdout())) {
    if (demo.child.exitCode !== null || demo.child.signalCode !== null) {
      throw new Error(`the demo exited before it was ready\n${describeOutput(demo)}`);
    }
    if (Date.now() > deadline)
      throw new Error(`the demo was not ready within ${READY_TIMEOUT_MS} ms\n${describeOutput(demo)}`);
    await sleep(50);
  }
}

/**
 * An interactive demo on a free port, once ready: its two children (the emulator and the sample
 * app) are known to the suite's cleanup, and the emulator's port is read from its output.
 */
async function startReadyDemo(options: { detached?: boolean } = {}) {
  const appPort = await findFreePort();
  const demo = startDemo([], appPort, options);
  await waitUntilReady(demo);
  const children = childrenOf(demo.pid);
  children.forEach((pid) => knownPids.add(pid));
  expect(children).toHaveLength(2); // the emulator and the sample app
  return { demo, appPort, children, emuPort: emulatorPort(demo) };
}

function printed(demo: Demo, name: string): string {
  const match = new RegExp(`^export ${name}=(${JWT})$`, 'm').exec(demo.stdout());
  if (!match) throw new Error(`no "export ${name}=" line\n${describeOutput(demo)}`);
  return match[1];
}

function emulatorPort(demo: Demo): number {
  const match = /^cognito-local emulator: http:\/\/127\.0\.0\.1:(\d+) /m.exec(demo.stdout());
  if (!match) throw new Error(`the emulator address was not printed\n${describeOutput(demo)}`);
  return Number(match[1]);
}

/** Direct children of `pid`, read from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** Live processes whose environment has PORT=<port> (the demo gives each child its own PORT). */
function processesWithPort(port: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`PORT=${port}`) && isProcessAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

/** The emulator's temporary folders (named cognito-local-*) that were made for this port. */
function emulatorTempDirs(port: number): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith('cognito-local-'))
    .map((name) => join(tmpdir(), name))
    .filter((dir) => {
      try {
        return readFileSync(join(dir, '.cognito', 'config.json'), 'utf8').includes(`127.0.0.1:${port}"`);
      } catch {
        return false;
      }
    });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** What "nothing left behind" means, polled for up to `ms` (children may need a moment). */
async function leftovers(demo: Demo, emuPort: number, pids: number[], ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = {
      alivePids: pids.filter(isProcessAlive),
      withAppPort: processesWithPort(demo.appPort),
      withEmulatorPort: processesWithPort(emuPort),
      tempDirs: emulatorTempDirs(emuPort),
      appPortOpen: !(await refusesConnections(demo.appPort)),
      emulatorPortOpen: !(await refusesConnections(emuPort)),
    };
    const clean = Object.values(state).every(
      (value) => value === false || (Array.isArray(value) && value.length === 0),
    );
    if (clean || Date.now() > deadline) return state;
    await sleep(100);
  }
}

const NOTHING_LEFT = {
  alivePids: [],
  withAppPort: [],
  withEmulatorPort: [],
  tempDirs: [],
  appPortOpen: false,
  emulatorPortOpen: false,
};

beforeAll(async () => {
  ROOT = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
  for (const path of PROJECT_FILES) cpSync(join(SOURCE_ROOT, path), join(ROOT, path), { recursive: true });
  symlinkSync(join(SOURCE_ROOT, 'node_modules'), join(ROOT, 'node_modules'), 'dir');
  DEMO = join(ROOT, 'scripts', 'demo.mjs');
  // `npm start` builds first; so do we, in the copy.
  try {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed: ${(error as Error).message}\n${stdout}\n${stderr}`, { cause: error });
  }
  expect(existsSync(join(ROOT, 'sample-app', 'dist', 'main.js'))).toBe(true);
  expect(existsSync(join(ROOT, 'dist', 'index.js'))).toBe(true);
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(async () => {
  for (const pid of knownPids) {
    if (isProcessAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (ROOT.startsWith(join(tmpdir(), 'demo-e2e-'))) rmSync(ROOT, { recursive: true, force: true });
});

describe('npm start (scripts/demo.mjs)', () => {
  it(
    '--smoke: prints the exports and curl lines, passes its checks, exits 0 and leaves nothing behind',
    async () => {
      const appPort = await findFreePort();
      const demo = startDemo(['--smoke'], appPort);
      const { code, signal } = await within(demo.exited, READY_TIMEOUT_MS + EXIT_TIMEOUT_MS, 'demo --smoke exit');
      expect({ code, signal }, describeOutput(demo)).toEqual({ code: 0, signal: null });

      const out = demo.stdout();
      const access = decodeJwt(printed(demo, 'ACCESS_TOKEN')).payload;
      const id = decodeJwt(printed(demo, 'ID_TOKEN')).payload;
      const bob = decodeJwt(printed(demo, 'BOB_ACCESS_TOKEN')).payload;
      expect(access).toMatchObject({ token_use: 'access', username: 'alice', 'cognito:groups': ['admin'] });
      expect(id).toMatchObject({ token_use: 'id', 'cognito:username': 'alice' });
      expect(bob).toMatchObject({ token_use: 'access', username: 'bob' });
      expect(bob).not.toHaveProperty('cognito:groups');
      const emuPort = emulatorPort(demo);
      expect(access.iss).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${emuPort}/local_[A-Za-z0-9]+$`));

      const base = `http://127.0.0.1:${appPort}`;
      const lines = out.split('\n');
      expect(lines).toContain(`curl -s ${base}/health`);
      expect(lines).toContain(`curl -s ${base}/me -H "Authorization: Bearer $ACCESS_TOKEN"`);
      expect(lines).toContain(`curl -s ${base}/admin -H "Authorization: Bearer $ACCESS_TOKEN"`);
      expect(
        lines.some((line) => line.startsWith(`curl -si ${base}/admin -H "Authorization: Bearer $BOB_ACCESS_TOKEN"`)),
      ).toBe(true);
      expect(lines).toContain(`curl -s ${base}/health/auth`);
      expect(lines).toContain(
        `# Metrics: run COGNITO_METRICS=prometheus npm start, then: curl -s ${base}/metrics | grep '^cognito_auth'`,
      );
      expect(socketLine(demo)).toMatch(
        /^node -e "const s = require\('socket.io-client'\)\.io\('http:\/\/127\.0\.0\.1:\d+\/events'/,
      );
      expect(lines).toContain('smoke: all checks passed');
      expect(out).not.toMatch(/FAIL/);
      // the module's one start-up line, among the app's logs
      expect(demo.stderr()).toMatch(
        new RegExp(
          `Accepting pool local_\\w+ \\(issuer http://127\\.0\\.0\\.1:${emuPort}/local_\\w+, clients \\w+, access tokens, keys from http://127\\.0\\.0\\.1:${emuPort}/`,
        ),
      );
      // stdout stays copy-pasteable: app logs go to stderr, and the users' password is never printed
      expect(out).not.toContain('[Nest]');
      expect(demo.stderr()).toContain('[sample-app]');
      expect(out + demo.stderr()).not.toContain(DEMO_PASSWORD);
      // the smoke checks sent the tokens to the app: its logs (stderr) never contain them
      for (const name of ['ACCESS_TOKEN', 'BOB_ACCESS_TOKEN']) expect(demo.stderr()).not.toContain(printed(demo, name));

      expect(await leftovers(demo, emuPort, [])).toEqual(NOTHING_LEFT);
    },
    DEMO_TEST_TIMEOUT_MS,
  );

  it(
    'interactive: its tokens work against the running app; SIGINT to its pid stops everything',
    async () => {
      const { demo, appPort, children, emuPort } = await startReadyDemo();

      const base = `http://127.0.0.1:${appPort}`;
      const me = await get(`${base}/me`, bearer(printed(demo, 'ACCESS_TOKEN')));
      expect(me.status).toBe(200);
      expect(me.json()).toMatchObject({ username: 'alice', groups: ['admin'], tokenUse: 'access' });
      const anonymous = await get(`${base}/me`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expect((await get(`${base}/admin`, bearer(printed(demo, 'BOB_ACCESS_TOKEN')))).status).toBe(403);
      expect((await get(`${base}/me`, bearer(printed(demo, 'ID_TOKEN')))).status).toBe(401);
      expect(await refusesConnections(emuPort)).toBe(false); // the emulator runs meanwhile
      // the printed socket.io line, run as printed, with the printed token
      const socket = await execFileAsync('sh', ['-c', socketLine(demo)], {
        cwd: ROOT,
        env: { ...process.env, ACCESS_TOKEN: printed(demo, 'ACCESS_TOKEN') },
        timeout: 15_000,
      });
      expect(JSON.parse(socket.stdout)).toEqual({ sub: decodeJwt(printed(demo, 'ACCESS_TOKEN')).payload.sub });
      const health = await get(`${base}/health/auth`);
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({ status: 'ok' });

      process.kill(demo.pid, 'SIGINT');
      const exit = await within(demo.exited, EXIT_TIMEOUT_MS, 'demo exit after SIGINT');
      expect(exit, describeOutput(demo)).toEqual({ code: 0, signal: null });
      expect(await leftovers(demo, emuPort, children)).toEqual(NOTHING_LEFT);
    },
    DEMO_TEST_TIMEOUT_MS,
  );

  it(
    'Ctrl-C in a terminal (SIGINT to the whole process group) also stops cleanly',
    async () => {
      // Its own process group, like a terminal job.
      const { demo, appPort, children, emuPort } = await startReadyDemo({ detached: true });
      expect((await get(`http://127.0.0.1:${appPort}/health`)).status).toBe(200);

      process.kill(-demo.pid, 'SIGINT'); // the group of the demo we started (pgid = its pid)
      const exit = await within(demo.exited, EXIT_TIMEOUT_MS, 'demo exit after a group SIGINT');
      expect(exit, describeOutput(demo)).toEqual({ code: 0, signal: null });
      expect(demo.stderr()).not.toMatch(/exited unexpectedly/);
      expect(await leftovers(demo, emuPort, children)).toEqual(NOTHING_LEFT);
    },
    DEMO_TEST_TIMEOUT_MS,
  );

  it(
    'SIGKILL of the demo: its children notice and exit, the temporary folder is removed',
    async () => {
      const { demo, children, emuPort } = await startReadyDemo();
      expect(emulatorTempDirs(emuPort)).toHaveLength(1);

      process.kill(demo.pid, 'SIGKILL');
      expect(await within(demo.exited, EXIT_TIMEOUT_MS, 'demo exit after SIGKILL')).toEqual({
        code: null,
        signal: 'SIGKILL',
      });
      expect(await leftovers(demo, emuPort, children)).toEqual(NOTHING_LEFT);
    },
    DEMO_TEST_TIMEOUT_MS,
  );
});
