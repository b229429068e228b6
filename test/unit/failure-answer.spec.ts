import { validateHeaderValue } from 'node:http';
import { HttpException } from '@nestjs/common';
import fc from 'fast-check';
import {
  CognitoAuthError,
  GroupNotAllowedError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeySetUnavailableError,
  MissingTokenError,
} from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { bearerChallenge, toFailureAnswer, httpExceptionOf } from '../../lib/errors/failure-answer.js';

/** RFC 7235 challenge: `Bearer` [ auth-param *( ", " auth-param ) ], values as quoted-strings without quoted-pairs. */
const QDTEXT = '[\\t \\x21\\x23-\\x5B\\x5D-\\x7E]';
const PARAM = `[A-Za-z_]+="(?:${QDTEXT}|\\\\[\\t \\x21-\\x7E])*"`;
const WELL_FORMED = new RegExp(`^Bearer(?: ${PARAM}(?:, ${PARAM})*)?$`);

function expectWellFormed(header: string): void {
  expect(header).toMatch(WELL_FORMED);
  expect(() => validateHeaderValue('WWW-Authenticate', header)).not.toThrow();
}

const answer = (error: CognitoAuthError) => {
  const failure = toFailureAnswer(error);
  const exception = httpExceptionOf(failure);
  return { status: exception.getStatus(), body: exception.getResponse(), headers: failure.headers };
};

/** Strings over U+0000-U+017F: control characters, quotes, backslashes, DEL, Latin-1 and beyond. */
const headerText = fc.string({
  unit: fc.integer({ min: 0, max: 0x17f }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

describe('bearerChallenge', () => {
  it('is the bare scheme without parameters', () => {
    expect(bearerChallenge({})).toBe('Bearer');
  });

  it('quotes each parameter, in order, separated by ", "', () => {
    expect(bearerChallenge({ error: 'invalid_token', error_description: 'The token has expired' })).toBe(
      'Bearer error="invalid_token", error_description="The token has expired"',
    );
    expect(bearerChallenge({ error: 'insufficient_scope', scope: 'orders/read orders/write' })).toBe(
      'Bearer error="insufficient_scope", scope="orders/read orders/write"',
    );
  });

  it.each([
    ['a double quote', 'say "hi"'],
    ['a backslash', 'C:\\path\\'],
    ['a trailing backslash', 'ends with \\'],
    ['CR LF (header injection)', 'a\r\nSet-Cookie: session=x'],
    ['a NUL byte', 'a\u0000b'],
    ['other control characters', '\u0001\u001f\u007f\t'],
    ['non-ASCII text', 'jeton refusé ✗ 🙅'],
    ['everything at once', '"\\\r\n\u0000é"'],
  ])('stays a well-formed header with %s in a value', (_name, value) => {
    const header = bearerChallenge({ error: 'invalid_token', error_description: value });
    expectWellFormed(header);
    expect(header.startsWith('Bearer error="invalid_token", error_description="')).toBe(true);
    expect(header).not.toMatch(/[\r\n]/);
  });

  it('keeps the printable characters of an echoed value', () => {
    const header = bearerChallenge({ error_description: 'tenant "acme" \\ suspended' });
    expect(header.replace(/[^a-z]/g, '')).toContain('tenantacmesuspended');
  });

  it('is well formed for any string values (property)', () => {
    fc.assert(
      fc.property(headerText, headerText, headerText, (error, description, scope) => {
        const header = bearerChallenge({ error, error_description: description, scope });
        validateHeaderValue('WWW-Authenticate', header);
        return WELL_FORMED.test(header);
      }),
      { numRuns: 200 },
    );
  });
});

describe('toFailureAnswer', () => {
  it('MissingTokenError → 401, WWW-Authenticate: Bearer (no error)', () => {
    expect(answer(new MissingTokenError())).toEqual({
      status: 401,
      body: { statusCode: 401, message: 'A bearer token is required', error: 'Unauthorized' },
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  });

  it('InvalidTokenError → 401 invalid_token with its description', () => {
    expect(answer(new InvalidTokenError('expired', 'The token has expired'))).toEqual({
      status: 401,
      body: { statusCode: 401, message: 'The token has expired', error: 'Unauthorized' },
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token has expired"' },
    });
  });

  it('InvalidTokenError with an unsafe description (custom check) → still a well-formed header', () => {
    const { headers } = answer(new InvalidTokenError('custom_check', 'Tenant "x"\r\nX-Evil: 1 \\'));
    expectWellFormed(headers['WWW-Authenticate']!);
  });

  it('InvalidRequestError → 400 invalid_request', () => {
    expect(answer(new InvalidRequestError('The request has more than one Authorization header'))).toEqual({
      status: 400,
      body: { statusCode: 400, message: 'The request has more than one Authorization header', error: 'Bad Request' },
      headers: {
        'WWW-Authenticate':
          'Bearer error="invalid_request", error_description="The request has more than one Authorization header"',
      },
    });
  });

  it('KeySetUnavailableError → 503 with Retry-After and no WWW-Authenticate', () => {
    expect(answer(new KeySetUnavailableError(7))).toEqual({
      status: 503,
      body: { statusCode: 503, message: 'Token verification is temporarily unavailable', error: 'Service Unavailable' },
      headers: { 'Retry-After': '7' },
    });
  });

  it('InsufficientScopeError → 403 insufficient_scope naming every required scope', () => {
    expect(answer(new InsufficientScopeError(['orders/read', 'orders/write']))).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        message: 'This route requires the scopes: orders/read orders/write',
        error: 'Forbidden',
      },
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="orders/read orders/write"' },
    });
  });

  it('GroupNotAllowedError → 403 without WWW-Authenticate', () => {
    expect(answer(new GroupNotAllowedError(['admin']))).toEqual({
      status: 403,
      body: { statusCode: 403, message: 'The user is not in a group allowed here', error: 'Forbidden' },
      headers: {},
    });
  });

  it('an unknown CognitoAuthError → 401 invalid_token with a generic description', () => {
    class SomethingElse extends CognitoAuthError {}
    expect(answer(new SomethingElse('internal detail'))).toEqual({
      status: 401,
      body: { statusCode: 401, message: 'The token could not be verified', error: 'Unauthorized' },
      headers: {
        'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token could not be verified"',
      },
    });
  });

  it('always answers a Nest HttpException', () => {
    for (const error of [new MissingTokenError(), new KeySetUnavailableError(1), new GroupNotAllowedError([])]) {
      expect(httpExceptionOf(toFailureAnswer(error))).toBeInstanceOf(HttpException);
    }
  });
});

describe('a failure that is not one of the module errors', () => {
  it.each<[string, unknown]>([
    ['passport-jwt "No auth token"', new Error('No auth token')],
    ['an error whose message holds markup', new Error('jwt malformed <script>')],
    ['nothing', undefined],
    ['a string', 'weird'],
  ])('%s → a generic invalid_token that does not repeat it', (_name, info) => {
    expect(toFailureAnswer(info)).toMatchObject({
      status: 401,
      code: 'invalid_token',
      message: 'The token could not be verified',
    });
  });
});
