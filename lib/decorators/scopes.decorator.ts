import { applyDecorators, SetMetadata } from '@nestjs/common';
import { REQUIRED_SCOPES_KEY } from '../cognito-auth.constants.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import { describeForOpenApi } from './openapi-extension.js';

/**
 * Allows the route only to tokens that carry all of these OAuth scopes; 403 `insufficient_scope`
 * otherwise. An empty list is a programming error, reported when the decorator runs.
 */
export const Scopes = (...scopes: string[]) => {
  if (scopes.length === 0) throw new CognitoAuthConfigError('@Scopes() needs at least one scope');
  return applyDecorators(SetMetadata(REQUIRED_SCOPES_KEY, scopes), describeForOpenApi({ scopes }, REQUIRED_SCOPES_KEY));
};
