import { applyDecorators, SetMetadata } from '@nestjs/common';
import { REQUIRED_GROUPS_KEY } from '../cognito-auth.constants.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { describeForOpenApi } from './openapi-extension.js';

/**
 * Allows the route only to users in at least one of these Cognito groups (`cognito:groups`);
 * 403 otherwise. An empty list is a programming error (it would read as "no one" but act as
 * "everyone"), reported when the decorator runs, that is when the app's code loads.
 */
export const Groups = (...groups: string[]) => {
  if (groups.length === 0) throw new CognitoAuthConfigError('@Groups() needs at least one group');
  return applyDecorators(SetMetadata(REQUIRED_GROUPS_KEY, groups), describeForOpenApi({ groups }, REQUIRED_GROUPS_KEY));
};
