import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { sampleAppEnv } from '../../scripts/lib/sample-env.mjs';
import { createSampleApp } from '../../sample-app/src/create-sample-app.js';
import { type HttpAdapterName, readSampleConfig } from '../../sample-app/src/sample-config.js';

export const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

export interface RunningApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly logs: CapturedLogger;
  close(): Promise<void>;
}

/** A Nest logger that keeps every line, so tests can assert that nothing secret was logged. */
export class CapturedLogger implements LoggerService {
  readonly lines: string[] = [];
  readonly log = this.keeper('log');
  readonly error = this.keeper('error');
  readonly warn = this.keeper('warn');
  readonly debug = this.keeper('debug');
  readonly verbose = this.keeper('verbose');
  readonly fatal = this.keeper('fatal');
  text(): string {
    return this.lines.join('\n');
  }
  /** One level's method: keeps the level and every part, an error as its stack. */
  private keeper(level: string) {
    return (message: unknown, ...rest: unknown[]) => {
      this.lines.push(
        [level, message, ...rest].map((part) => (part instanceof Error ? part.stack : String(part))).join(' '),
      );
    };
  }
}

/** Environment variables that point the sample app at a test kit. */
export function sampleEnv(kit: CognitoTestKit, env: Record<string, string> = {}): Record<string, string> {
  return sampleAppEnv(kit, env);
}

/** The sample app, in process, listening on 127.0.0.1 port 0. */
export async function startSampleApp(
  kit: CognitoTestKit,
  { adapter = 'express', env = {} }: { adapter?: HttpAdapterName; env?: Record<string, string> } = {},
): Promise<RunningApp> {
  const logs = new CapturedLogger();
  const config = readSampleConfig({ ...sampleEnv(kit, env), HTTP_ADAPTER: adapter });
  return listen(await createSampleApp(config, { logger: logs }), logs);
}

/**
 * A throwaway app with the given imports and controllers, listening on 127.0.0.1 port 0.
 * `abortOnError: false`: a boot error rejects (Nest would otherwise `process.exit(1)` the test
 * worker), and the half-built app is closed first; the error carries the captured `logs`.
 */
export async function startApp(
  metadata: ModuleMetadata,
  { adapter = 'express' }: { adapter?: HttpAdapterName } = {},
): Promise<RunningApp> {
  @Module(metadata)
  class TestAppModule {}
  const logs = new CapturedLogger();
  const options = { logger: logs, abortOnError: false } as const;
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(
          TestAppModule,
          new (await import('@nestjs/platform-fastify')).FastifyAdapter(),
          options,
        )
      : await NestFactory.create(TestAppModule, options);
  return listen(app, logs);
}

async function listen(app: INestApplication, logs: CapturedLogger): Promise<RunningApp> {
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw Object.assign(error as Error, { logs });
  }
  const address = app.getHttpServer().address() as { port: number };
  return { app, logs, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
