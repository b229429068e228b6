import { applyDecorators, SetMetadata } from '@nestjs/common';
import { REQUIRED_SCOPES_KEY } from '../cognito-auth.constants.js';
import { describeForOpenApi } from './openapi-extension.js';

/** Allows the route only to tokens that carry all of these OAuth scopes; 403 `insufficient_scope` otherwise. */
export const Scopes = (...scopes: string[]) =>
  applyDecorators(SetMetadata(REQUIRED_SCOPES_KEY, scopes), describeForOpenApi({ scopes }, REQUIRED_SCOPES_KEY));
