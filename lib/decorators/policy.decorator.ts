import { POLICIES_KEY } from '../cognito-auth.constants.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { type CognitoPolicy, isPolicy, policyName } from '../policies/cognito-policy.js';
import { appendRule } from './rule-metadata.js';

/**
 * Custom policies, like ASP.NET's requirements and handlers: each is a function
 * `(user, context) => boolean | Promise<boolean>` or an injectable class implementing
 * `CognitoPolicyHandler`, and every one must return `true`, after the route's other rules
 * passed. A refusal is a 403 without a challenge; an `HttpException` a policy throws is answered
 * as it is; anything else it throws is logged (once per policy) and answered 403.
 *
 * @example @Policy((user, context) => user.sub === context.switchToHttp().getRequest().params.sub)
 * @example @Policy(OrderOwnerPolicy)
 */
export const Policy = (...policies: CognitoPolicy[]) => {
  if (policies.length === 0) throw new CognitoAuthConfigError('@Policy() needs at least one policy');
  if (!policies.every(isPolicy)) {
    throw new CognitoAuthConfigError('@Policy() takes functions, policy classes or objects with handle()');
  }
  return appendRule(POLICIES_KEY, policies, (all) => ({ policies: all.map(policyName) }));
};
