import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import { AdminController } from './admin.controller.js';
import { EventsGateway } from './events.gateway.js';
import { sampleGraphqlModule } from './graphql.module.js';
import { HealthController } from './health.controller.js';
import { LogoutController } from './logout.controller.js';
import { MeController } from './me.controller.js';
import { MeResolver } from './me.resolver.js';
import { OptionalController } from './optional.controller.js';
import { OrdersController } from './orders.controller.js';
import { REVOCATION_REDIS, RevocationRedisModule } from './revocation-redis.module.js';
import { PoliciesController } from './policies.controller.js';
import type { SampleConfig } from './sample-config.js';

@Module({})
export class AppModule {
  /** The app for one configuration; `forRootAsync` + `ConfigService` as a real app would do it. */
  static register(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ cognito: config.cognito, allowedOrigins: config.allowedOrigins })],
        }),
        CognitoAuthModule.forRootAsync({
          imports: [ConfigModule, RevocationRedisModule.register(config.revocationRedisUrl)],
          inject: [ConfigService, REVOCATION_REDIS],
          useFactory: (configService: ConfigService, redis: Redis | null): CognitoAuthOptions => ({
            ...configService.getOrThrow<CognitoAuthOptions>('cognito'),
            ...(redis ? { revocation: { redis } } : {}),
          }),
        }),
        sampleGraphqlModule(config.adapter),
      ],
      providers: [MeResolver, EventsGateway],
      controllers: [
        HealthController,
        MeController,
        AdminController,
        OrdersController,
        OptionalController,
        PoliciesController,
        LogoutController,
      ],
    };
  }
}
