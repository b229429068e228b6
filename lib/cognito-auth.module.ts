import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { VerifiedTokenCache } from './cache/verified-token.cache.js';
import { COGNITO_AUTH_CONFIG, COGNITO_AUTH_OPTIONS } from './cognito-auth.constants.js';
import { resolveCognitoAuthConfig } from './cognito-auth.config.js';
import { CognitoStartupLog } from './cognito-startup-log.js';
import { CognitoFallbackGuard } from './cognito-fallback.guard.js';
import { CognitoJwtStrategy } from './cognito-jwt.strategy.js';
import { CognitoAuthExceptionFilter } from './cognito-auth-exception.filter.js';
import { GatewayGuardBinder } from './contexts/gateway-guard.binder.js';
import { CognitoPrincipals } from './identity/cognito-principals.js';
import { CognitoAuthenticator } from './pipeline/cognito-authenticator.js';
import { TokenChecker } from './verification/token-checker.js';
import { CognitoTokenVerifier } from './cognito-token.verifier.js';
import type {
  CognitoAuthAsyncOptions,
  CognitoAuthOptions,
  CognitoAuthOptionsFactory,
} from './interfaces/cognito-auth-options.interface.js';
import { CognitoHealthIndicator } from './health/cognito-health.indicator.js';
import { CognitoEvents } from './events/cognito-events.js';
import { CognitoJwksService } from './jwks/cognito-jwks.service.js';
import { COGNITO_KEY_OVERRIDES, type CognitoKeyOverride } from './jwks/key-overrides.js';
import { CognitoMetricsService } from './observability/cognito-metrics.service.js';
import { UserPoolDirectory } from './pools/user-pool-directory.js';
import { CognitoRevocationService } from './revocation/cognito-revocation.service.js';

/**
 * Cognito authentication for the whole app: the token verifier, the Passport strategy
 * `cognito-jwt` and, unless `globalGuard: false`, `CognitoAuthGuard` as the global fallback policy.
 */
@Global()
@Module({})
export class CognitoAuthModule {
  static forRoot(options: CognitoAuthOptions): DynamicModule {
    const optionsProvider: Provider = { provide: COGNITO_AUTH_OPTIONS, useValue: options };
    return this.createModule([optionsProvider], [], options?.globalGuard);
  }

  static forRootAsync(options: CognitoAuthAsyncOptions): DynamicModule {
    return this.createModule(this.createAsyncProviders(options), options.imports ?? [], options.globalGuard);
  }

  private static createModule(
    optionsProviders: Provider[],
    imports: DynamicModule['imports'],
    globalGuard = true,
  ): DynamicModule {
    const configProvider: Provider = {
      provide: COGNITO_AUTH_CONFIG,
      useFactory: (options: CognitoAuthOptions, keyOverrides: CognitoKeyOverride[]) =>
        resolveCognitoAuthConfig(options, keyOverrides),
      inject: [COGNITO_AUTH_OPTIONS, COGNITO_KEY_OVERRIDES],
    };
    // Empty: the testing kit's overrideKeys() puts its pools' keys here.
    const keyOverridesProvider: Provider = { provide: COGNITO_KEY_OVERRIDES, useValue: [] };
    const services = [
      CognitoEvents,
      VerifiedTokenCache,
      CognitoJwksService,
      UserPoolDirectory,
      CognitoRevocationService,
      TokenChecker,
      CognitoPrincipals,
      CognitoAuthenticator,
      CognitoTokenVerifier,
      CognitoJwtStrategy,
      GatewayGuardBinder,
      CognitoHealthIndicator,
    ];
    const appGuard: Provider[] = globalGuard
      ? [CognitoFallbackGuard, { provide: APP_GUARD, useExisting: CognitoFallbackGuard }]
      : [];
    // The module's errors thrown by app code (revoke(), verify()) get the guard's answers, not a 500.
    const errorFilter: Provider = { provide: APP_FILTER, useClass: CognitoAuthExceptionFilter };
    return {
      module: CognitoAuthModule,
      imports,
      providers: [
        ...optionsProviders,
        keyOverridesProvider,
        configProvider,
        CognitoStartupLog,
        ...services,
        CognitoMetricsService,
        ...appGuard,
        errorFilter,
      ],
      exports: [COGNITO_AUTH_OPTIONS, COGNITO_AUTH_CONFIG, ...services],
    };
  }

  private static createAsyncProviders(options: CognitoAuthAsyncOptions): Provider[] {
    if (options.useFactory) {
      return [{ provide: COGNITO_AUTH_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
    }
    const factoryClass = options.useClass ?? options.useExisting;
    if (!factoryClass) {
      throw new Error('CognitoAuthModule.forRootAsync needs useFactory, useClass or useExisting');
    }
    const optionsProvider: Provider = {
      provide: COGNITO_AUTH_OPTIONS,
      useFactory: (factory: CognitoAuthOptionsFactory) => factory.createCognitoAuthOptions(),
      inject: [factoryClass],
    };
    return options.useClass ? [optionsProvider, { provide: factoryClass, useClass: factoryClass }] : [optionsProvider];
  }
}
