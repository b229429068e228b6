import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getRequestFromContext } from '../contexts/execution-context.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoParamDecorator } from './current-user.decorator.js';

/**
 * The verified Cognito user (`@CurrentCognitoUser()`), or one of its fields
 * (`@CurrentCognitoUser('groups')`), whatever `transformUser` made of it: `@CurrentUser()` gives
 * the app's own user. null when nobody is signed in, which only happens on `@Public()` routes.
 */
export const CurrentCognitoUser: CognitoParamDecorator<keyof CognitoUser> = createParamDecorator(
  (field: keyof CognitoUser | undefined, context: ExecutionContext): unknown => {
    const user: CognitoUser | null | undefined = getRequestFromContext(context)?.cognitoUser;
    if (!user) return null;
    return field === undefined ? user : user[field];
  },
);
