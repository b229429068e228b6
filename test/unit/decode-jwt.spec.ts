import { InvalidTokenError } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../../lib/token/decode-jwt.js';

const b64 = (value: string) => Buffer.from(value).toString('base64url');
const jwt = (header: string, payload: string, signature = 'c2lnbmF0dXJl') =>
  `${b64(header)}.${b64(payload)}.${signature}`;

function failure(token: string): InvalidTokenError {
  try {
    decodeJwt(token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error(`decodeJwt accepted ${JSON.stringify(token)}`);
}

describe('decodeJwt', () => {
  it('returns the parsed header and payload of a well-formed token, without verifying anything', () => {
    const header = { alg: 'RS256', kid: 'k1' };
    const payload = { sub: 'u', nested: { a: [1, 2] }, 'custom:x': 'y' };
    expect(decodeJwt(jwt(JSON.stringify(header), JSON.stringify(payload)))).toEqual({ header, payload });
  });

  it('accepts every base64url character (A-Z a-z 0-9 - _) in the signature', () => {
    const token = jwt('{"alg":"RS256"}', '{}', 'AZaz09-_');
    expect(decodeJwt(token).header).toEqual({ alg: 'RS256' });
  });

  it.each([
    ['an empty string', ''],
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['an empty header segment', `.${b64('{}')}.sig`],
    ['an empty payload segment', `${b64('{}')}..sig`],
    ['an empty signature segment (alg none)', `${b64('{"alg":"none"}')}.${b64('{}')}.`],
    ['padding', `${b64('{}')}.${b64('{}')}.sig=`],
    ['standard base64 + and /', `${b64('{}')}.${b64('{}')}.si+g/`],
    ['a space', `${b64('{}')}.${b64('{}')}.si g`],
    ['a non-ASCII character', `${b64('{}')}.${b64('{}')}.sïg`],
    ['a trailing newline', `${b64('{}')}.${b64('{}')}.sig\n`],
  ])('refuses %s as malformed (three base64url segments)', (_name, token) => {
    expect(failure(token)).toMatchObject({
      reason: 'malformed',
      description: 'The token must be three base64url segments',
    });
  });

  it.each([
    ['not JSON', 'alg=RS256'],
    ['an array', '["RS256"]'],
    ['null', 'null'],
    ['a string', '"RS256"'],
    ['a number', '1'],
    ['a boolean', 'true'],
    ['truncated JSON', '{"alg":"RS256"'],
  ])('refuses a header that is %s', (_name, header) => {
    expect(failure(jwt(header, '{}'))).toMatchObject({
      reason: 'malformed',
      description: 'The token header is not a JSON object',
    });
  });

  it.each([
    ['not JSON', 'sub=u'],
    ['an array', '[{"sub":"u"}]'],
    ['null', 'null'],
    ['a string', '"u"'],
    ['a number', '12'],
  ])('refuses a payload that is %s', (_name, payload) => {
    expect(failure(jwt('{"alg":"RS256"}', payload))).toMatchObject({
      reason: 'malformed',
      description: 'The token payload is not a JSON object',
    });
  });

  it('checks the header before the payload', () => {
    expect(failure(jwt('[]', '[]')).description).toBe('The token header is not a JSON object');
  });

  it('keeps a __proto__ key as data and does not pollute Object.prototype', () => {
    const { payload } = decodeJwt(jwt('{"alg":"RS256"}', '{"__proto__":{"polluted":true},"sub":"u"}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(payload.sub).toBe('u');
  });

  it('never puts the token in the error', () => {
    const token = jwt('not json', '{"secret":"s3cr3t"}');
    const error = failure(token);
    expect(error.message).not.toContain(token);
    expect(error.description).not.toContain('s3cr3t');
  });
});
