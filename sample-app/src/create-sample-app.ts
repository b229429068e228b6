import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { addCognitoBearerAuth, applyCognitoSecurity, enableCognitoSignIn } from 'nestjs-cognito-auth/swagger';
import { AppModule } from './app.module.js';
import { OriginCheckedIoAdapter } from './origin-checked-io.adapter.js';
import type { SampleConfig } from './sample-config.js';

export interface CreateSampleAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/** Builds (does not start) the sample app on the adapter the configuration names. */
export async function createSampleApp(
  config: SampleConfig,
  options: CreateSampleAppOptions = {},
): Promise<INestApplication> {
  const module = AppModule.register(config);
  const logger = options.logger ?? undefined;
  const app =
    config.adapter === 'fastify'
      ? await NestFactory.create(module, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger })
      : await NestFactory.create(module, { logger });
  app.useWebSocketAdapter(new OriginCheckedIoAdapter(app, config.allowedOrigins));
  setUpOpenApi(app, config);
  return app;
}

/**
 * Serves /docs and /docs-json; the document marks protected and public operations as the guard
 * does. With COGNITO_DOMAIN, /docs also signs in through the hosted UI (the first client id).
 */
function setUpOpenApi(app: INestApplication, config: SampleConfig): void {
  const builder = addCognitoBearerAuth(new DocumentBuilder().setTitle('nestjs-cognito-auth sample').setVersion('1.0'));
  const document = applyCognitoSecurity(SwaggerModule.createDocument(app, builder.build()), {
    fallbackPolicy: config.cognito.fallbackPolicy,
  });
  const signIn = config.swaggerSignIn && {
    ...config.swaggerSignIn,
    clientId: config.cognito.clientIds?.[0] ?? '',
    token: config.cognito.tokenUse === 'id' ? ('id' as const) : ('access' as const),
  };
  const uiOptions = signIn && enableCognitoSignIn(document, signIn);
  SwaggerModule.setup('docs', app, document, uiOptions);
}
