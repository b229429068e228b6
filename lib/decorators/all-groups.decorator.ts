import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Allows the route only to users in every one of these Cognito groups (`cognito:groups`); 403
 * otherwise. Combines with `@Groups` (any of) and `@NotGroups` (none of): all must pass. An
 * empty list is a programming error, reported when the decorator runs.
 */
export const AllGroups = (...groups: string[]) => ruleDecorator(RULE_KINDS.allGroups, groups);
