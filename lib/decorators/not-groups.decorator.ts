import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Refuses the route (403) to users in any of these Cognito groups, whatever other rules allow:
 * `@Groups('admin') @NotGroups('suspended')` admits admins who are not suspended. An empty list
 * is a programming error, reported when the decorator runs.
 */
export const NotGroups = (...groups: string[]) => ruleDecorator(RULE_KINDS.notGroups, groups);
