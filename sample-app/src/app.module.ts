import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Redis } from 'ioredis';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import { AdminController } from './admin.controller.js';
import { EventsGateway } from './events.gateway.js';
import { sampleGraphqlModule } from './graphql.module.js';
import { HealthController } from './health.controller.js';
import { LogoutController } from './logout.controller.js';
import { MeController } from './me.controller.js';
import { SAMPLE_METER_PROVIDER, SampleMetricsModule } from './metrics.module.js';
import { MeResolver } from './me.resolver.js';
import { OptionalController } from './optional.controller.js';
import { OrdersController } from './orders.controller.js';
import { REVOCATION_REDIS, RevocationRedisModule } from './revocation-redis.module.js';
import { PoliciesController } from './policies.controller.js';
import { ProfilesModule, ProfileTransformer } from './profiles.js';
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
          imports: [
            ConfigModule,
            RevocationRedisModule.register(config.revocationRedisUrl),
            // Also serves GET /metrics when the metrics are on.
            SampleMetricsModule.register(config.metrics),
          ],
          inject: [ConfigService, REVOCATION_REDIS, SAMPLE_METER_PROVIDER],
          useFactory: (
            configService: ConfigService,
            redis: Redis | null,
            meterProvider: MeterProvider | null,
          ): CognitoAuthOptions => ({
            ...configService.getOrThrow<CognitoAuthOptions>('cognito'),
            ...(redis ? { revocation: { redis, failurePolicy: config.revocationFailurePolicy } } : {}),
            metrics: meterProvider ? { meterProvider } : false,
            // COGNITO_PROFILES=demo: @CurrentUser() is the app's own profile, made once per token.
            ...(config.profiles ? { transformUser: ProfileTransformer } : {}),
          }),
        }),
        TerminusModule,
        ProfilesModule.register(config.profiles),
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
