import { applyDecorators, SetMetadata } from '@nestjs/common';
import { REQUIRED_GROUPS_KEY } from '../cognito-auth.constants.js';
import { describeForOpenApi } from './openapi-extension.js';

/** Allows the route only to users in at least one of these Cognito groups (`cognito:groups`); 403 otherwise. */
export const Groups = (...groups: string[]) =>
  applyDecorators(SetMetadata(REQUIRED_GROUPS_KEY, groups), describeForOpenApi({ groups }, REQUIRED_GROUPS_KEY));
