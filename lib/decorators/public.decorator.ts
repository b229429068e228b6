import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../cognito-auth.constants.js';

/**
 * Opts a route or a whole controller out of the fallback policy (like `[AllowAnonymous]`).
 * A valid token still populates the user. `@Public(false)` on a handler protects it again
 * inside a public controller: the handler's setting wins over its class.
 */
export const Public = (isPublic = true) => SetMetadata(IS_PUBLIC_KEY, isPublic);
