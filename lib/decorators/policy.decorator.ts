import type { CognitoPolicy } from '../interfaces/cognito-authorization.interface.js';
import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Custom policies, like ASP.NET's requirements and handlers: each is a function
 * `(user, context) => boolean | Promise<boolean>` or an injectable class implementing
 * `CognitoPolicyHandler`, and every one must return `true`, after the route's other rules
 * passed. A refusal is a 403 without a challenge; an `HttpException` a policy throws is answered
 * as it is; anything else it throws is logged (once per policy) and answered 403. A policy that
 * does not answer within `callbackTimeoutMs` is answered 503 with `Retry-After`.
 *
 * @example @Policy((user, context) => user.sub === context.switchToHttp().getRequest().params.sub)
 * @example @Policy(OrderOwnerPolicy)
 */
export const Policy = (...policies: CognitoPolicy[]) => ruleDecorator(RULE_KINDS.policies, policies);
