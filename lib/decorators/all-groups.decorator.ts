import { REQUIRED_ALL_GROUPS_KEY } from '../cognito-auth.constants.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { appendRule } from './rule-metadata.js';

/**
 * Allows the route only to users in every one of these Cognito groups (`cognito:groups`); 403
 * otherwise. Combines with `@Groups` (any of) and `@NotGroups` (none of): all must pass. An
 * empty list is a programming error, reported when the decorator runs.
 */
export const AllGroups = (...groups: string[]) => {
  if (groups.length === 0) throw new CognitoAuthConfigError('@AllGroups() needs at least one group');
  return appendRule(REQUIRED_ALL_GROUPS_KEY, groups, (allGroups) => ({ allGroups }));
};
