import { SetMetadata } from '@nestjs/common';
import { REQUIRED_GROUPS_KEY } from '../cognito-auth.constants.js';

/** Allows the route only to users in at least one of these Cognito groups (`cognito:groups`); 403 otherwise. */
export const Groups = (...groups: string[]) => SetMetadata(REQUIRED_GROUPS_KEY, groups);
