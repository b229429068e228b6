// Helpers for end-to-end tests against the real `cognito-local` emulator
// (scripts/lib/cognito-local.mjs): the sample app configured from raw COGNITO_* variables,
// and a counting loopback proxy in front of the emulator's JWKS endpoint.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { CreatedPool } from '../../scripts/lib/cognito-local.mjs';
import { sampleAppEnv } from '../../scripts/lib/sample-env.mjs';
import { createSampleApp } from '../../sample-app/src/create-sample-app.js';
import { type HttpAdapterName, readSampleConfig } from '../../sample-app/src/sample-config.js';
import { CapturedLogger, type RunningApp } from './test-app.js';

/** The sample app's COGNITO_* variables that point the sample app at an emulator pool. */
export function emulatorEnv(pool: CreatedPool, env: Record<string, string> = {}): Record<string, string> {
  return sampleAppEnv(pool, env);
}

/** The sample app, in process, configured only from `env` (as `main.ts` does), on 127.0.0.1 port 0. */
export async function startSampleAppFromEnv(
  adapter: HttpAdapterName,
  env: Record<string, string | undefined>,
): Promise<RunningApp> {
  const logs = new CapturedLogger();
  const config = readSampleConfig({ ...env, HTTP_ADAPTER: adapter });
  const app: INestApplication = await createSampleApp(config, { logger: logs });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, logs, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface JwksProxy {
  /** `http://127.0.0.1:<proxy>/<tag><path>`: forwarded to `<target><path>`, counted under `tag`. */
  url(tag: string, path: string): string;
  /** Requests received under `tag` so far. */
  count(tag: string): number;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy that forwards GETs to `target` and counts them per tag (the first path
 * segment), so a test can see how many times each app downloaded its key set.
 */
export async function startJwksProxy(target: string): Promise<JwksProxy> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const match = /^\/([^/]+)(\/.*)$/.exec(req.url ?? '');
    if (!match || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    const [, tag, path] = match;
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
    fetch(`${target}${path}`, { signal: AbortSignal.timeout(5_000) })
      .then(async (upstream) => {
        const body = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: (tag, path) => `http://127.0.0.1:${port}/${tag}${path}`,
    count: (tag) => counts.get(tag) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
