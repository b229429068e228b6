import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, REQUIRED_GROUPS_KEY, REQUIRED_SCOPES_KEY } from '../cognito-auth.constants.js';

/** What a route asks for, from its decorators. */
export interface RoutePolicy {
  readonly isPublic: boolean;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

/**
 * Reads `@Public`, `@Groups` and `@Scopes` once per handler with `Reflector.getAllAndOverride`
 * (the handler's setting wins over its class) and keeps the result: metadata does not change at
 * run time.
 */
export class RoutePolicyReader {
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(private readonly reflector: Reflector) {}

  of(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.policies.get(controller);
    if (!byHandler) this.policies.set(controller, (byHandler = new WeakMap()));
    let policy = byHandler.get(handler);
    if (!policy) byHandler.set(handler, (policy = this.read([handler, controller])));
    return policy;
  }

  private read(targets: [object, object]): RoutePolicy {
    const get = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, targets as never);
    return {
      isPublic: get<boolean>(IS_PUBLIC_KEY) === true,
      groups: get<string[]>(REQUIRED_GROUPS_KEY) ?? [],
      scopes: get<string[]>(REQUIRED_SCOPES_KEY) ?? [],
    };
  }
}
