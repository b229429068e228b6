import type { ExecutionContext, Type } from '@nestjs/common';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/**
 * A custom policy as a function: return (or resolve to) `true` to allow the request. Anything
 * else refuses it with 403. The context gives the request (`context.switchToHttp().getRequest()`,
 * resolver arguments in GraphQL, the client and data in WebSocket handlers).
 */
export type CognitoPolicyFunction = (user: CognitoUser, context: ExecutionContext) => boolean | Promise<boolean>;

/**
 * A custom policy as an injectable class, for checks that need services (a repository to tell
 * whether an order is the user's). `@Policy(OrderOwnerPolicy)` takes the app's provider when
 * the class is one, or creates it once in the module of the controller (or resolver, gateway).
 */
export interface CognitoPolicyHandler {
  /** `true` (or a promise of it) allows the request; anything else refuses it with 403. */
  handle(user: CognitoUser, context: ExecutionContext): boolean | Promise<boolean>;
}

/** What `@Policy()` and the `policies` of `fallbackPolicy` accept. */
export type CognitoPolicy = CognitoPolicyFunction | Type<CognitoPolicyHandler> | CognitoPolicyHandler;

/** A class whose instances handle the policy, as opposed to a policy function. */
export function isPolicyClass(policy: CognitoPolicy): policy is Type<CognitoPolicyHandler> {
  return typeof policy === 'function' && typeof policy.prototype?.handle === 'function';
}

/** True for anything `@Policy()` can run. */
export function isPolicy(value: unknown): value is CognitoPolicy {
  if (typeof value === 'function') return true;
  return typeof value === 'object' && value !== null && typeof (value as CognitoPolicyHandler).handle === 'function';
}

/** A name for logs and the OpenAPI document: the function or class name. */
export function policyName(policy: CognitoPolicy): string {
  const named = typeof policy === 'function' ? policy : policy.constructor;
  return named?.name || 'anonymous policy';
}
