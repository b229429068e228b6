/** One app that serves a route, Passport, GraphQL and socket.io, for the suites that compare every path. */
import { type DynamicModule, Module } from '@nestjs/common';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { MeController, MeResolver, PassportController } from './fixture-app.js';
import { CheckedGateway, OpenGateway } from './socket-app.js';
import { type RunningApp, startApp } from './test-app.js';

/**
 * GET /me (the global guard), GET /passport (`AuthGuard('cognito-jwt')`), the GraphQL `me`
 * query of `graphql` (over HTTP, or also over graphql-ws), the handshake-checked `/checked`
 * namespace and the `/open` one whose messages are judged one by one.
 */
export function startEveryPathApp(
  options: CognitoAuthOptions,
  adapter: HttpAdapterName,
  graphql: DynamicModule,
): Promise<RunningApp> {
  @Module({
    imports: [CognitoAuthModule.forRoot(options), graphql],
    controllers: [MeController, PassportController],
    providers: [MeResolver, CheckedGateway, OpenGateway],
  })
  class EveryPathModule {}
  return startApp({ imports: [EveryPathModule] }, { adapter });
}
