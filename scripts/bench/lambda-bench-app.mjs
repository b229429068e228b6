// The app of the Lambda cold-start bench, written without decorator syntax so that it runs as
// plain JavaScript: a Nest app with one route, GET /me, behind @codegenie/serverless-express, as
// a Lambda handler. lambda-app-bare.mjs and lambda-app-cognito.mjs make it without and with
// nestjs-cognito-auth; each file's static imports are what a fresh process pays to load it.
import 'reflect-metadata';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configure } from '@codegenie/serverless-express';

/** The app's root module: `imports`, and a controller whose GET /me answers `userOf(request)`. */
export function defineAppModule(imports, userOf) {
  class MeController {
    me(request) {
      return userOf(request);
    }
  }
  Controller()(MeController);
  Req()(MeController.prototype, 'me', 0);
  Get('me')(MeController.prototype, 'me', Object.getOwnPropertyDescriptor(MeController.prototype, 'me'));
  class BenchAppModule {}
  Module({ imports, controllers: [MeController] })(BenchAppModule);
  return BenchAppModule;
}

/** Bootstraps the app (Nest's init: every onModuleInit) and returns its Lambda handler. */
export async function createLambdaHandler(appModule) {
  const app = await NestFactory.create(appModule, { logger: ['error'] });
  await app.init();
  return configure({ app: app.getHttpAdapter().getInstance() });
}
