import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
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
  if (config.adapter === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return NestFactory.create(module, new FastifyAdapter(), { logger });
  }
  return NestFactory.create(module, { logger });
}
