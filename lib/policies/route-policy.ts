import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../cognito-auth.constants.js';
import { type AuthorizationRules, hasAnyRule, rulesFrom } from './authorization-rules.js';
import { RULE_KINDS } from './rule-kinds.js';

/** What a route asks for, from its decorators. */
export type RoutePolicy = AuthorizationRules & {
  readonly isPublic: boolean;
  /** False when no rule decorator applies to the route: the fallback policy's rules are used instead. */
  readonly hasRules: boolean;
};

/** A route's policy, kept for one controller; `next` is the same handler's policy under another controller. */
interface KeptPolicy {
  readonly controller: object;
  readonly policy: RoutePolicy;
  readonly next: KeptPolicy | undefined;
}

/**
 * Reads `@Public` and the rule decorators once per handler with `Reflector.getAllAndOverride`
 * (for each kind of rule, the handler's list replaces its class's) and keeps the result:
 * metadata does not change at run time.
 */
export class RoutePolicyReader {
  /** By handler: one lookup per request. A method inherited by several controllers has an entry per controller. */
  private readonly policies = new WeakMap<object, KeptPolicy>();

  constructor(private readonly reflector: Reflector) {}

  of(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    const first = this.policies.get(handler);
    for (let kept = first; kept !== undefined; kept = kept.next) {
      if (kept.controller === controller) return kept.policy;
    }
    const policy = this.read([handler, controller]);
    this.policies.set(handler, { controller, policy, next: first });
    return policy;
  }

  private read(targets: [object, object]): RoutePolicy {
    const get = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, targets as never);
    const rules = rulesFrom((name) => get<unknown[]>(RULE_KINDS[name].metadataKey));
    return { ...rules, isPublic: get<boolean>(IS_PUBLIC_KEY) === true, hasRules: hasAnyRule(rules) };
  }
}
