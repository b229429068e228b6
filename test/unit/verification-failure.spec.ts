import { GroupNotAllowedError, InvalidTokenError, KeySetUnavailableError } from 'nestjs-cognito-auth';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { toCognitoAuthError } from '../../lib/token/verification-failure.js';

describe('toCognitoAuthError (what passport-jwt reports → one precise error)', () => {
  it('passes the module own errors through', () => {
    const errors = [new InvalidTokenError('unknown_key', 'x'), new KeySetUnavailableError(3), new GroupNotAllowedError(['a'])];
    for (const error of errors) expect(toCognitoAuthError(error)).toBe(error);
  });

  it.each<[string, unknown, string, string]>([
    ['TokenExpiredError', new jwt.TokenExpiredError('jwt expired', new Date()), 'expired', 'The token has expired'],
    ['NotBeforeError', new jwt.NotBeforeError('jwt not active', new Date()), 'not_yet_valid', 'The token is not valid yet'],
    ['invalid signature', new jwt.JsonWebTokenError('invalid signature'), 'invalid_signature', 'The token signature is invalid'],
    ['issuer mismatch', new jwt.JsonWebTokenError('jwt issuer invalid. expected: https://a'), 'unknown_issuer', 'The token issuer is not accepted'],
    ['another jsonwebtoken error', new jwt.JsonWebTokenError('jwt malformed <script>'), 'malformed', 'The token could not be verified'],
    ['passport-jwt "No auth token"', new Error('No auth token'), 'malformed', 'The token could not be verified'],
    ['nothing', undefined, 'malformed', 'The token could not be verified'],
    ['a string', 'weird', 'malformed', 'The token could not be verified'],
  ])('%s → %s with a fixed description', (_name, info, reason, description) => {
    const error = toCognitoAuthError(info);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ reason, description });
  });
});
