import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/** A claim the token must carry: present, or equal (as text) to one of `values`. */
export interface ClaimRequirement {
  readonly claim: string;
  /** Accepted values as text; absent means "present with any value". */
  readonly values?: readonly string[];
}

/**
 * A claim requirement from decorator or option arguments. Values are kept as text: Cognito
 * sends custom attributes as strings, and a boolean claim such as `email_verified` matches
 * `'true'` whether it arrives as the string or the boolean.
 */
export function claimRequirement(claim: unknown, values: readonly unknown[], where: string): ClaimRequirement {
  if (typeof claim !== 'string' || claim === '') {
    throw new CognitoAuthConfigError(`${where} needs a claim name`);
  }
  for (const value of values) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CognitoAuthConfigError(`${where}: the values of ${claim} must be strings, numbers or booleans`);
    }
  }
  return values.length === 0 ? { claim } : { claim, values: values.map(String) };
}

/**
 * Top-level claims of the verified payload only. Values compare as text, as Cognito sends
 * custom attributes: a boolean `true` matches `'true'`. An array claim matches when one of its
 * items does. `null` counts as absent.
 */
export function meetsClaim(user: CognitoUser, { claim, values }: ClaimRequirement): boolean {
  const claims: Readonly<Record<string, unknown>> = user.claims ?? user;
  if (!Object.hasOwn(claims, claim)) return false;
  const value = claims[claim];
  if (value === null || value === undefined) return false;
  if (values === undefined) return true;
  return Array.isArray(value) ? value.some((item) => isOneOf(item, values)) : isOneOf(value, values);
}

function isOneOf(value: unknown, accepted: readonly string[]): boolean {
  const type = typeof value;
  return (type === 'string' || type === 'boolean' || type === 'number') && accepted.includes(String(value));
}
