import { CognitoAuthError, InvalidTokenError } from '../errors/cognito-auth.errors.js';

/**
 * Turns what passport-jwt reports on failure (our own errors from the key provider, or
 * jsonwebtoken's errors from the signature check) into one precise error. jsonwebtoken's
 * messages are never passed on: they are matched by name and replaced by fixed text.
 */
export function toCognitoAuthError(info: unknown): CognitoAuthError {
  if (info instanceof CognitoAuthError) return info;
  const name = (info as Error | undefined)?.name;
  const message = (info as Error | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') return new InvalidTokenError('expired', 'The token has expired');
  if (name === 'NotBeforeError') return new InvalidTokenError('not_yet_valid', 'The token is not valid yet');
  if (message === 'invalid signature') {
    return new InvalidTokenError('invalid_signature', 'The token signature is invalid');
  }
  if (message.startsWith('jwt issuer invalid')) {
    return new InvalidTokenError('unknown_issuer', 'The token issuer is not accepted');
  }
  return new InvalidTokenError('malformed', 'The token could not be verified');
}
