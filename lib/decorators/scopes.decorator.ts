import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Allows the route only to tokens that carry all of these OAuth scopes; 403 `insufficient_scope`
 * otherwise. An empty list is a programming error, reported when the decorator runs. Stacked
 * `@Scopes` add up: the token needs every scope of every one.
 */
export const Scopes = (...scopes: string[]) => ruleDecorator(RULE_KINDS.scopes, scopes);
