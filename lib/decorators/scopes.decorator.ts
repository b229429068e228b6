import { SetMetadata } from '@nestjs/common';
import { REQUIRED_SCOPES_KEY } from '../cognito-auth.constants.js';

/** Allows the route only to tokens that carry all of these OAuth scopes; 403 `insufficient_scope` otherwise. */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES_KEY, scopes);
