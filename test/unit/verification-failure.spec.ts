import { GroupNotAllowedError, InvalidTokenError, KeySetUnavailableError } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { toCognitoAuthError } from '../../lib/token/verification-failure.js';

describe('toCognitoAuthError (what passport reports → one precise error)', () => {
  it('passes the module own errors through', () => {
    const errors = [new InvalidTokenError('unknown_key', 'x'), new KeySetUnavailableError(3), new GroupNotAllowedError(['a'])];
    for (const error of errors) expect(toCognitoAuthError(error)).toBe(error);
  });

  it.each<[string, unknown]>([
    ['passport-jwt "No auth token"', new Error('No auth token')],
    ['an error whose message holds markup', new Error('jwt malformed <script>')],
    ['nothing', undefined],
    ['a string', 'weird'],
  ])('%s → a generic invalid_token that does not repeat it', (_name, info) => {
    const error = toCognitoAuthError(info);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ reason: 'malformed', description: 'The token could not be verified' });
  });
});
