import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { getRequestFromContext } from '../contexts/execution-context.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/**
 * The signed-in user (`@CurrentUser()`), or one of its fields (`@CurrentUser('email')`): the
 * app's own user when `transformUser` is set, else the verified Cognito user
 * (`@CurrentCognitoUser()` always gives that one). null when nobody is signed in, which only
 * happens on `@Public()` routes. It reads what the guard wrote, through the same request accessor.
 */
export const CurrentUser: CognitoParamDecorator<keyof CognitoUser> = createParamDecorator(
  (field: keyof CognitoUser | undefined, context: ExecutionContext): unknown => {
    const user: CognitoUser | null | undefined = getRequestFromContext(context)?.user;
    if (!user) return null;
    return field === undefined ? user : user[field];
  },
);

/**
 * The type of a parameter decorator, written out: the one TypeScript would infer names
 * `ParameterDecoratorOptions`, which only Nest 12 exports, and the declarations must compile
 * against Nest 11 too.
 */
export type CognitoParamDecorator<TData> = (
  ...dataOrPipes: Array<TData | PipeTransform | Type<PipeTransform> | undefined>
) => ParameterDecorator;
