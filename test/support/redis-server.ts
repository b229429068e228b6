import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Type } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CognitoAuthOptions, CognitoAuthModule, type CognitoRevocationOptions } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { MeController } from './fixture-app.js';
import { useStarted } from './kit-app.js';
import { type RunningApp, startApp } from './test-app.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * A throwaway redis-server on 127.0.0.1 and a free port, without persistence, for one test
 * file. It can be killed and started again on the same port (a Redis outage and its end).
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Fails (never skips) when redis-server is not installed. */
  static async start(): Promise<RedisServer> {
    const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (found.error || found.status !== 0) {
      throw new Error(
        'redis-server is not installed: these tests need a real Redis (Debian: apt-get install -y redis-server)',
      );
    }
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'revocation-redis-')));
    await server.restart();
    return server;
  }

  /** Starts the server again on the same port (it comes back empty: no persistence). */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.kill();
        throw new Error(`redis-server did not start on port ${this.port}:\n${output}`);
      }
      await sleep(20);
    }
  }

  /** SIGKILL: Redis vanishes as in a crash; its clients see their connections drop. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** Stops the server and removes its folder. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, signal);
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** A redis-server started before the suite's tests and stopped after them. */
export function useRedisServer(): RedisServer {
  return useStarted(
    () => RedisServer.start(),
    (server) => server.stop(),
    'redis-server',
  );
}

/** A client of the suite's own, to look inside `server`; connected before the suite's tests. */
export function useRedisInspector(server: RedisServer): Redis {
  return useStarted(
    async () => quietRedisClient(server.url),
    (client) => client.disconnect(),
    'Redis client',
  );
}

/** An ioredis client whose connection errors (expected during outages) are not printed. */
export function quietRedisClient(url: string): Redis {
  const client = new Redis(url);
  client.on('error', () => undefined);
  return client;
}

export interface RedisApp extends RunningApp {
  /** The app's own client, given to the module as `revocation.redis`; closed with the app. */
  readonly client: Redis;
}

/** An app whose deny-list lives in the Redis at `url`, with the module configured directly. */
export async function startRedisApp(
  kit: CognitoTestKit,
  url: string,
  { revocation = {}, options = {}, controllers = [MeController] }: RedisAppOptions = {},
): Promise<RedisApp> {
  const client = quietRedisClient(url);
  const app = await startApp({
    imports: [
      CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options, revocation: { ...revocation, redis: client } }),
    ],
    controllers,
  });
  return {
    ...app,
    client,
    close: async () => {
      await app.close();
      client.disconnect();
    },
  };
}

export interface RedisAppOptions {
  revocation?: Omit<CognitoRevocationOptions, 'redis' | 'store'>;
  options?: Partial<CognitoAuthOptions>;
  /** Default: `MeController` (GET /me, protected). */
  controllers?: Type<unknown>[];
}

/** Polls `condition` every few ms; resolves to the time it took, or fails after `ms`. */
export async function within(ms: number, what: string, condition: () => boolean | Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(2);
  }
  return performance.now() - started;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** One PING over a raw connection: true when the server answers PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
