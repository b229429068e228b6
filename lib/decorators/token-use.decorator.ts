import type { CognitoRouteTokenUse } from '../interfaces/cognito-authorization.interface.js';
import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Admits only this kind of Cognito token on the route (or every route of the class): `'id'`
 * for routes that read profile claims, `'access'` for API calls. Another kind of token gets 401
 * `invalid_token` (reason `wrong_token_use`). The pool must accept that kind (`tokenUse` option):
 * a route no configured pool can serve refuses every token and is logged as a configuration
 * error the first time it refuses one.
 */
export const TokenUse = (tokenUse: CognitoRouteTokenUse) => ruleDecorator(RULE_KINDS.tokenUse, [tokenUse]);
