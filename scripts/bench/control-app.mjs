// The bench's control: the built sample app with nestjs-cognito-auth taken out. A stand-in
// global guard puts one fixed user (the /me answer of the bench's reused token) on every
// request that has an Authorization header and lets every request through, so the control
// serves the same routes with the same bytes in (the same Authorization header) and out (the
// same JSON) as the sample app.
// Sample app ÷ control is then the module's own cost; control /me ÷ control /health is what any
// Nest app pays for receiving a ~1 KB token and answering a ~1 KB object, with no auth at all.
import 'reflect-metadata';
import { NestFactory, APP_GUARD } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { AppModule } from '../../sample-app/dist/app.module.js';

/** Builds (does not start) the control for a sample app configuration and the user to hand out. */
export async function createControlApp(config, user) {
  // The least any bearer-token guard does: read the Authorization header (on Node that builds
  // the request's header object), then set the user.
  const fixedUserGuard = {
    canActivate(context) {
      const request = context.getArgByIndex(0);
      if (request) request.user = typeof request.headers?.authorization === 'string' ? user : null;
      return true;
    },
  };
  const sampleModule = AppModule.register(config);
  const withoutAuth = {
    ...sampleModule,
    imports: sampleModule.imports.filter((imported) => imported?.module !== CognitoAuthModule),
    providers: [...(sampleModule.providers ?? []), { provide: APP_GUARD, useValue: fixedUserGuard }],
  };
  if (withoutAuth.imports.length !== sampleModule.imports.length - 1) {
    throw new Error('control app: CognitoAuthModule not found among the sample app module imports');
  }
  const app =
    config.adapter === 'fastify'
      ? await NestFactory.create(withoutAuth, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger: ['error'] })
      : await NestFactory.create(withoutAuth, { logger: ['error'] });
  // As the sample app: /docs is mounted (on Express its middleware is on every request's way).
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('control').build()));
  return app;
}
