import type { Type } from '@nestjs/common';
import type { CognitoPolicy, CognitoPolicyHandler } from '../interfaces/cognito-authorization.interface.js';

export type {
  CognitoPolicy,
  CognitoPolicyFunction,
  CognitoPolicyHandler,
} from '../interfaces/cognito-authorization.interface.js';

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
