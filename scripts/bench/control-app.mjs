// The bench's control server: the built sample app with nestjs-cognito-auth taken out.
// A stand-in global guard puts one fixed user (BENCH_CONTROL_USER, the /me answer of the bench's
// reused token) on every request and lets it through, so the control serves the same routes with
// the same bytes in (the same Authorization header) and out (the same JSON) as the sample app.
// Sample app ÷ control is then the module's own cost; control /me ÷ control /health is what any
// Nest app pays for receiving a ~1 KB token and answering a ~1 KB object, with no auth at all.
// Started by scripts/bench/server.mjs with the sample app's environment variables.
import 'reflect-metadata';
import { NestFactory, APP_GUARD } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { AppModule } from '../../sample-app/dist/app.module.js';
import { readSampleConfig } from '../../sample-app/dist/sample-config.js';

const user = JSON.parse(process.env.BENCH_CONTROL_USER ?? 'null');
if (!user) throw new Error('control app: BENCH_CONTROL_USER (the user object as JSON) is required');

/** The least a guard can do: no token read, no check, the user set. */
const fixedUserGuard = {
  canActivate(context) {
    const request = context.switchToHttp().getRequest();
    if (request) request.user = user;
    return true;
  },
};

const config = readSampleConfig(process.env);
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
app.enableShutdownHooks();
await app.listen(config.port, config.host);
