/**
 * For suites that build their app the way an app's own tests do, with `Test.createTestingModule`:
 * the two ways an app configures the module, and the compiled app listening on 127.0.0.1.
 */
import { type DynamicModule, Injectable, type INestApplication, Module } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';

/**
 * [name, module] for `forRoot(options())`, and for `forRootAsync` with a factory that reads the
 * options from the app's settings service (ConfigService or the like) in a module of its own.
 */
export function forRootAndForRootAsync(options: () => CognitoAuthOptions): Array<[string, () => DynamicModule]> {
  @Injectable()
  class AppSettings {
    cognito(): Promise<CognitoAuthOptions> {
      return Promise.resolve(options());
    }
  }
  @Module({ providers: [AppSettings], exports: [AppSettings] })
  class SettingsModule {}

  const fromSettings = () =>
    CognitoAuthModule.forRootAsync({
      imports: [SettingsModule],
      inject: [AppSettings],
      useFactory: (settings: AppSettings) => settings.cognito(),
    });
  return [
    ['forRoot', () => CognitoAuthModule.forRoot(options())],
    ['forRootAsync', fromSettings],
  ];
}

/** Compiles the testing module into an app on that adapter, listening on a free port of 127.0.0.1. */
export async function listenOn(
  builder: TestingModuleBuilder,
  adapter: HttpAdapterName,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await builder.compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new (await import('@nestjs/platform-fastify')).FastifyAdapter())
      : moduleRef.createNestApplication();
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
}
