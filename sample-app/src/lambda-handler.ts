import type { INestApplication } from '@nestjs/common';
import type { Context } from 'aws-lambda';
import { createSampleApp, type CreateSampleAppOptions } from './create-sample-app.js';
import { type HttpAdapterName, readSampleConfig } from './sample-config.js';

/** A Lambda handler for API Gateway (payload 1.0 and 2.0) and ALB events. */
export type SampleLambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The sample app in one Lambda container: its handler, and the app it bootstraps once. */
export interface SampleLambda {
  readonly handler: SampleLambdaHandler;
  /** Bootstraps the app unless that is done or under way; a failed bootstrap is tried again on the next call. */
  bootstrap(): Promise<SampleLambdaHandler>;
  /** Closes the app, if it was bootstrapped (tests; Lambda just freezes or drops the container). */
  close(): Promise<void>;
}

interface Bootstrapped {
  readonly app: INestApplication;
  readonly proxy: SampleLambdaHandler;
}

/**
 * The sample app as a Lambda function, configured by the same variables as the server:
 * `HTTP_ADAPTER` picks `@codegenie/serverless-express` (Express) or `@fastify/aws-lambda`
 * (Fastify). The app is bootstrapped once per container and reused by every invocation, so its
 * key sets and verified-token cache live as long as the container.
 */
export function createSampleLambda(
  env: Record<string, string | undefined>,
  options: CreateSampleAppOptions = {},
): SampleLambda {
  let bootstrapping: Promise<Bootstrapped> | undefined;
  const bootstrap = (): Promise<Bootstrapped> => {
    bootstrapping ??= bootstrapApp(env, options).catch((error: unknown) => {
      // Not kept: the next invocation tries again (a key set that was down may be back).
      bootstrapping = undefined;
      throw error;
    });
    return bootstrapping;
  };
  return {
    handler: async (event, context) => (await bootstrap()).proxy(event, context),
    bootstrap: async () => (await bootstrap()).proxy,
    close: async () => {
      const running = await bootstrapping?.catch(() => undefined);
      bootstrapping = undefined;
      await running?.app.close();
    },
  };
}

async function bootstrapApp(
  env: Record<string, string | undefined>,
  options: CreateSampleAppOptions,
): Promise<Bootstrapped> {
  const config = readSampleConfig(env);
  const app = await createSampleApp(config, options);
  try {
    // init() runs every onModuleInit: with COGNITO_PRELOAD_KEYS the key sets are downloaded here.
    await app.init();
    return { app, proxy: await proxyFor(config.adapter, app) };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

async function proxyFor(adapter: HttpAdapterName, app: INestApplication): Promise<SampleLambdaHandler> {
  if (adapter === 'fastify') {
    const { default: awsLambdaFastify } = await import('@fastify/aws-lambda');
    const fastify = app.getHttpAdapter().getInstance();
    // albMultiValueHeaders: an ALB with multi-value headers sends every header in multiValueHeaders only.
    const proxy = awsLambdaFastify(fastify, { decorateRequest: false, albMultiValueHeaders: true });
    await fastify.ready();
    return (event, context) => proxy(event, context);
  }
  const { configure } = await import('@codegenie/serverless-express');
  const proxy = configure({ app: app.getHttpAdapter().getInstance() });
  return (event, context) => proxy(event, context, () => undefined) as Promise<unknown>;
}
