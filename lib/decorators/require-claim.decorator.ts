import { REQUIRED_CLAIMS_KEY } from '../cognito-auth.constants.js';
import { type ClaimRequirement, claimRequirement } from '../policies/authorization-rules.js';
import { appendRule } from './rule-metadata.js';

/**
 * Requires a top-level claim of the verified token: present (`@RequireClaim('email_verified')`)
 * or equal to one of the values (`@RequireClaim('custom:tenant', 'acme', 'globex')`); 403
 * otherwise. Values compare as text: Cognito sends custom attributes as strings, and
 * `@RequireClaim('email_verified', 'true')` matches the string "true" and the boolean `true`.
 * A claim that is present with the value `false` is present: require `'true'` to mean "verified".
 * Stacked decorators add up.
 */
export const RequireClaim = (claim: string, ...values: Array<string | number | boolean>) => {
  const requirement = claimRequirement(claim, values, '@RequireClaim()');
  return appendRule<ClaimRequirement>(REQUIRED_CLAIMS_KEY, [requirement], (claims) => ({
    claims: claims.map(({ claim: name, values: accepted }) =>
      accepted ? { claim: name, values: [...accepted] } : { claim: name },
    ),
  }));
};
