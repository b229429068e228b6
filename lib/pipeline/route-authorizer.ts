import { type ExecutionContext, Logger } from '@nestjs/common';
import { type ModuleRef, ModulesContainer } from '@nestjs/core';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoAuthorizeEvent } from '../events/cognito-channels.js';
import { CognitoEvents, type EventOutlet } from '../events/cognito-events.js';
import { authorize } from '../policies/authorize.js';
import { PolicyRunner } from '../policies/policy-runner.js';
import type { RoutePolicy } from '../policies/route-policy.js';

/**
 * Checks a signed-in user against the route's own rules, or the `fallbackPolicy` option's when
 * the route has none; policy classes come from the app's injector. A promise only when a custom
 * policy returns one.
 */
export class RouteAuthorizer {
  private runner?: PolicyRunner;
  private events?: EventOutlet<CognitoAuthorizeEvent>;

  constructor(
    private readonly moduleRef: ModuleRef | undefined,
    private readonly config: CognitoAuthConfig | undefined,
  ) {}

  check(policy: RoutePolicy, user: CognitoUser, context: ExecutionContext): void | Promise<void> {
    const rules = policy.hasRules ? policy : (this.config?.fallbackPolicy ?? policy);
    this.runner ??= new PolicyRunner(
      { moduleRef: this.moduleRef, modules: this.moduleRef?.get(ModulesContainer, { strict: false }) },
      new Logger('CognitoAuth'),
      this.config,
    );
    this.events ??= this.moduleRef?.get(CognitoEvents, { strict: false })?.authorize;
    return authorize(rules, user, context, this.runner, this.events);
  }
}
