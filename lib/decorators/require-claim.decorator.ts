import { RULE_KINDS } from '../policies/rule-kinds.js';
import { ruleDecorator } from './rule-decorator.js';

/**
 * Requires a top-level claim of the verified token: present (`@RequireClaim('email_verified')`)
 * or equal to one of the values (`@RequireClaim('custom:tenant', 'acme', 'globex')`); 403
 * otherwise. Values compare as text: Cognito sends custom attributes as strings, and
 * `@RequireClaim('email_verified', 'true')` matches the string "true" and the boolean `true`.
 * A claim that is present with the value `false` is present: require `'true'` to mean "verified".
 * Stacked decorators add up: each is one more requirement.
 */
export const RequireClaim = (claim: string, ...values: Array<string | number | boolean>) =>
  ruleDecorator(RULE_KINDS.claims, [claim, ...values]);
