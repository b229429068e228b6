import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Admits only tokens of these user pools (`user.userPoolId`) on the route or the class, for
 * apps that accept several pools; 403 without a challenge otherwise. An empty list is a
 * programming error, reported when the decorator runs.
 */
export const UserPools = (...userPoolIds: string[]) => ruleDecorator(RULE_KINDS.userPools, userPoolIds);
