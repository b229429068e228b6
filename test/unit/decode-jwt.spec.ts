import fc from 'fast-check';
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

  it.each([
    ['header', 0],
    ['payload', 1],
    ['signature', 2],
  ])(
    'refuses, in the %s, a character past U+007F that a base64 decoder would read as its low byte (U+0141 as "A")',
    (_name, part) => {
      const parts = jwt('{"alg":"RS256"}', '{"sub":"u"}', 'c2lnbmF0dXJl').split('.');
      parts[part] = `${parts[part]!.slice(0, 2)}\u0141${parts[part]!.slice(3)}`;
      expect(failure(parts.join('.'))).toMatchObject({
        reason: 'malformed',
        description: 'The token must be three base64url segments',
      });
    },
  );

  it('decodes a header or payload segment 4n+1 characters long as before (the last character ignored)', () => {
    const token = `${b64('{"alg":"RS256"}')}A.${b64('{"sub":"u"}')}.c2lnbmF0dXJl`;
    expect(decodeJwt(token)).toEqual({ header: { alg: 'RS256' }, payload: { sub: 'u' } });
  });

  it('gives the result or the error of the reference decoding on mutated tokens', () => {
    const valid = jwt(
      '{"kid":"k1","alg":"RS256"}',
      '{"sub":"u","scope":"a b","n":[1,{"x":"é"}]}',
      'c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    );
    const tricky = [
      '+',
      '/',
      '=',
      ' ',
      '.',
      '!',
      '\n',
      '\u00e9',
      '\u00ff',
      '\u0141',
      '\u012b',
      '\ud800',
      'A',
      '_',
      '-',
    ];
    const mutation = fc.record({
      position: fc.nat({ max: valid.length }),
      replace: fc.boolean(),
      character: fc.oneof(
        fc.constantFrom(...tricky),
        fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      ),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let token = valid;
        for (const { position, replace, character } of mutations) {
          const at = Math.min(position, token.length);
          token = `${token.slice(0, at)}${character}${token.slice(replace ? at + 1 : at)}`;
        }
        expect(outcome(() => decodeJwt(token))).toEqual(outcome(() => referenceDecode(token)));
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});

/** What a call returns, or the reason and description of what it throws. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    const { reason, description } = error as InvalidTokenError;
    return { reason, description };
  }
}

/** The decoding the module's fast path must agree with: one regular expression, then each part. */
function referenceDecode(token: string) {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw new InvalidTokenError('malformed', 'The token must be three base64url segments');
  }
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const unusedBits = [0, -1, 4, 2][signature.length % 4]!;
  const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(signature.at(-1)!);
  if (unusedBits < 0 || (last & ((1 << unusedBits) - 1)) !== 0) {
    throw new InvalidTokenError('malformed', 'The token signature is not canonical base64url');
  }
  const parse = (segment: string, part: string) => {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidTokenError('malformed', `The token ${part} is not a JSON object`);
    }
    return value;
  };
  return { header: parse(header, 'header'), payload: parse(payload, 'payload') };
}
