// The built sample app (sample-app/dist/main.js) as a child process on a free loopback port,
// pointed at the bench's test kit; /proc readings of its CPU time and memory.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { availableParallelism } from 'node:os';
import { findFreePort } from '../lib/cognito-local.mjs';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';
const APP_MAIN = fileURLToPath(new URL('../../sample-app/dist/main.js', import.meta.url));
const PAIRED_MAIN = fileURLToPath(new URL('./paired-apps.mjs', import.meta.url));
const PROFILER_PRELOAD = new URL('./profiler-preload.mjs', import.meta.url).href;
const HEALTH_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_LINES_KEPT = 50;

let clockTicks;
function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

let pinnedCpu = null;
/**
 * The CPU the servers are pinned to (the last one), or undefined when pinning is off or
 * unavailable. Unpinned, the scheduler at times puts the server and the load generator (this
 * process, not pinned) on the same core, which on a 2-core machine moves req/s by 10-20%.
 */
function serverCpu() {
  if (pinnedCpu === null) {
    pinnedCpu = undefined;
    const count = availableParallelism();
    if (process.env.BENCH_PIN !== '0' && count >= 2) {
      try {
        execFileSync('taskset', ['-c', String(count - 1), 'true'], { stdio: 'ignore' });
        pinnedCpu = count - 1;
      } catch {
        // no taskset (or not allowed): unpinned
      }
    }
  }
  return pinnedCpu;
}

/** Where the servers run: "CPU n", or "unpinned". */
export function serverPlacement() {
  const cpu = serverCpu();
  return cpu === undefined ? 'unpinned' : `CPU ${cpu}`;
}

/**
 * Starts a server child and waits until /health answers 200 on each of its apps.
 * Without `apps`: sample-app/dist/main.js alone, at `url`. With `apps` (names among sample,
 * control, raw, aws): paired-apps.mjs, those apps in one process, at `urls[name]`; `url` is the
 * first one's. `controlToken`: the token whose /me answer the control hands out. The twins get
 * the kit's key set (`raw` knows the key in advance, `aws` caches it): they fetch nothing.
 * `profile: true` preloads profiler-preload.mjs and opens an IPC channel to drive it. `main`
 * replaces the child's entry (tenant-apps.mjs), `env` adds to its environment.
 */
export async function startSampleApp(kit, { adapter, profile = false, apps, controlToken, main, env: extraEnv }) {
  const names = apps ?? ['sample'];
  const ports = {};
  for (const name of names) ports[name] = await findFreePort();
  const env = {
    ...process.env,
    PORT: String(ports[names[0]]),
    HOST,
    HTTP_ADAPTER: adapter,
    COGNITO_REGION: kit.region,
    COGNITO_USER_POOL_ID: kit.userPoolId,
    COGNITO_CLIENT_ID: kit.clientId,
    COGNITO_TOKEN_USE: 'access',
    COGNITO_ISSUER: kit.issuer,
    COGNITO_JWKS_URI: kit.jwksUri,
    ...(apps
      ? { BENCH_APPS: names.join(','), BENCH_PORTS: JSON.stringify(ports), BENCH_JWKS: JSON.stringify(kit.jwks) }
      : {}),
    ...(controlToken ? { BENCH_CONTROL_TOKEN: controlToken } : {}),
    ...extraEnv,
  };
  const execArgv = profile ? ['--import', PROFILER_PRELOAD] : [];
  const stdio = profile ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const command = [process.execPath, ...execArgv, main ?? (apps ? PAIRED_MAIN : APP_MAIN)];
  const pinned = serverCpu();
  const child =
    pinned === undefined
      ? spawn(command[0], command.slice(1), { env, stdio })
      : spawn('taskset', ['-c', String(pinned), ...command], { env, stdio });
  const urls = Object.fromEntries(names.map((name) => [name, `http://${HOST}:${ports[name]}`]));
  const app = new SampleAppProcess(child, adapter, urls[names[0]]);
  app.urls = urls;
  try {
    for (const url of Object.values(urls)) await app.waitForHealth(url);
  } catch (error) {
    await app.stop();
    throw new Error(`${error.message}\n--- sample app output ---\n${app.logs.join('\n')}`, { cause: error });
  }
  return app;
}

/** Every server child not yet exited, so that `stopAllServers` can stop one still starting up. */
const running = new Set();

/** Stops every server child this process started that is still running (SIGINT, errors). */
export async function stopAllServers() {
  await Promise.all([...running].map((server) => server.stop()));
}

class SampleAppProcess {
  constructor(child, adapter, url) {
    running.add(this);
    this.child = child;
    this.pid = child.pid;
    this.adapter = adapter;
    this.url = url;
    this.logs = [];
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exitInfo = undefined;
    void this.exited.then((info) => {
      this.exitInfo = info;
      running.delete(this);
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        for (const line of chunk.split('\n')) if (line) this.logs.push(line);
        if (this.logs.length > LOG_LINES_KEPT) this.logs.splice(0, this.logs.length - LOG_LINES_KEPT);
      });
    }
  }

  get alive() {
    return this.exitInfo === undefined;
  }

  async waitForHealth(url) {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    for (;;) {
      if (!this.alive) throw new Error(`sample app exited early (${JSON.stringify(this.exitInfo)})`);
      const { status } = await httpGet(`${url}/health`).catch(() => ({ status: 0 }));
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`sample app: no 200 from /health within ${HEALTH_TIMEOUT_MS} ms`);
      await sleep(100);
    }
  }

  /** User+system CPU time of the child so far, in ms (from /proc/<pid>/stat). */
  cpuMs() {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
  }

  /** VmHWM (peak RSS) and VmRSS of the child, in MiB (from /proc/<pid>/status). */
  memory() {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  }

  /** Sends a command to profiler-preload.mjs (profile mode only) and waits for its answer. */
  request(command, payload = {}) {
    return new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.reply !== command) return;
        this.child.off('message', onMessage);
        if (message.error) reject(new Error(message.error));
        else resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.send({ command, ...payload });
    });
  }

  /** SIGTERM by pid (the app has shutdown hooks), SIGKILL if it does not exit in time. */
  async stop() {
    if (!this.alive) return this.exitInfo;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, STOP_TIMEOUT_MS);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

export function httpGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
