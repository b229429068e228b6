import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import { AdminController } from './admin.controller.js';
import { EventsGateway } from './events.gateway.js';
import { sampleGraphqlModule } from './graphql.module.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { MeResolver } from './me.resolver.js';
import { OptionalController } from './optional.controller.js';
import { OrdersController } from './orders.controller.js';
import { PoliciesController } from './policies.controller.js';
import type { SampleConfig } from './sample-config.js';

@Module({})
export class AppModule {
  /** The app for one configuration; `forRootAsync` + `ConfigService` as a real app would do it. */
  static register(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ cognito: config.cognito })] }),
        CognitoAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (configService: ConfigService) => configService.getOrThrow<CognitoAuthOptions>('cognito'),
        }),
        sampleGraphqlModule(config.adapter),
      ],
      providers: [MeResolver, EventsGateway],
      controllers: [HealthController, MeController, AdminController, OrdersController, OptionalController, PoliciesController],
    };
  }
}
