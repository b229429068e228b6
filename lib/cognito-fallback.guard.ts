import { type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CognitoAuthGuard } from './cognito-auth.guard.js';

/**
 * The global guard (`APP_GUARD`): it hands every request to this module's `CognitoAuthGuard`.
 * `@UseGuards(CognitoAuthGuard)` below registers that guard as an enhancer of the module, which
 * is what `Test.createTestingModule(…).overrideGuard(CognitoAuthGuard)` replaces; a guard
 * registered directly as `APP_GUARD` is out of `overrideGuard`'s reach.
 */
@Injectable()
@UseGuards(CognitoAuthGuard)
export class CognitoFallbackGuard implements CanActivate {
  private guard?: CanActivate;

  constructor(private readonly moduleRef: ModuleRef) {}

  canActivate(context: ExecutionContext) {
    this.guard ??= this.moduleRef.get<CanActivate>(CognitoAuthGuard, { strict: true });
    return this.guard.canActivate(context);
  }
}
