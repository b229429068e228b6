import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Allows the route only to users in at least one of these Cognito groups (`cognito:groups`);
 * 403 otherwise. An empty list is a programming error (it would read as "no one" but act as
 * "everyone"), reported when the decorator runs, that is when the app's code loads. Stacked
 * `@Groups` add up: `@Groups('a') @Groups('b')` is `@Groups('a', 'b')`.
 */
export const Groups = (...groups: string[]) => ruleDecorator(RULE_KINDS.groups, groups);
