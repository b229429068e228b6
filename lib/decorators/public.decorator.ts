import { applyDecorators, SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../cognito-auth.constants.js';
import { describeForOpenApi } from './openapi-extension.js';

/**
 * Opts a route or a whole controller out of the fallback policy (like `[AllowAnonymous]`).
 * A valid token still populates the user. `@Public(false)` on a handler protects it again
 * inside a public controller: the handler's setting wins over its class.
 */
export const Public = (isPublic = true) =>
  applyDecorators(SetMetadata(IS_PUBLIC_KEY, isPublic), describeForOpenApi({ public: isPublic }, IS_PUBLIC_KEY));
