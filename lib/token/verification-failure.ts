import { CognitoAuthError, InvalidTokenError } from '../errors/cognito-auth.errors.js';

/**
 * passport's verdict on a failure, as one precise error. The strategy only fails with the
 * module's own errors; anything else (passport's own, or a bug) becomes a generic 401 whose
 * text never repeats what was thrown.
 */
export function toCognitoAuthError(info: unknown): CognitoAuthError {
  return info instanceof CognitoAuthError ? info : new InvalidTokenError('malformed', 'The token could not be verified');
}
