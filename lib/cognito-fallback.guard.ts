import { type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CognitoAuthGuard } from './cognito-auth.guard.js';
import { bindToApp } from './pipeline/app-binding.js';

/**
 * The global guard (`APP_GUARD`): it hands every request to this module's `CognitoAuthGuard`.
 * `@UseGuards(CognitoAuthGuard)` below registers that guard as an enhancer of the module, which
 * is what `Test.createTestingModule(…).overrideGuard(CognitoAuthGuard)` replaces; a guard
 * registered directly as `APP_GUARD` is out of `overrideGuard`'s reach. A replacement made
 * outside Nest's injector (`actAsCognitoUser`) is handed the app's injector and options here,
 * so it applies the app's fallback policy and policy classes.
 *
 * It is also bound to every gateway class (see `GatewayGuardBinder`); where Nest applies global
 * guards to gateways as well, a message meets it twice and is checked once.
 */
@Injectable()
@UseGuards(CognitoAuthGuard)
export class CognitoFallbackGuard implements CanActivate {
  private guard?: CanActivate;
  private readonly checkedMessages = new WeakSet<object>();

  constructor(private readonly moduleRef: ModuleRef) {}

  canActivate(context: ExecutionContext) {
    if (context.getType<string>() === 'ws' && this.alreadyChecked(context)) return true;
    this.guard ??= this.resolveGuard();
    return this.guard.canActivate(context);
  }

  private resolveGuard(): CanActivate {
    const guard = this.moduleRef.get<CanActivate>(CognitoAuthGuard, { strict: true });
    bindToApp(guard, this.moduleRef);
    return guard;
  }

  /** One gateway message's handler arguments are one array, shared by every guard that checks it. */
  private alreadyChecked(context: ExecutionContext): boolean {
    const message = context.getArgs();
    if (this.checkedMessages.has(message)) return true;
    this.checkedMessages.add(message);
    return false;
  }
}
