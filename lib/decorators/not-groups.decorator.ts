import { EXCLUDED_GROUPS_KEY } from '../cognito-auth.constants.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { appendRule } from './rule-metadata.js';

/**
 * Refuses the route (403) to users in any of these Cognito groups, whatever other rules allow:
 * `@Groups('admin') @NotGroups('suspended')` admits admins who are not suspended. An empty list
 * is a programming error, reported when the decorator runs.
 */
export const NotGroups = (...groups: string[]) => {
  if (groups.length === 0) throw new CognitoAuthConfigError('@NotGroups() needs at least one group');
  return appendRule(EXCLUDED_GROUPS_KEY, groups, (notGroups) => ({ notGroups }));
};
