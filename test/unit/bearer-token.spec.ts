import { InvalidRequestError } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../../lib/token/bearer-token.js';

/** An Express-like request (Node's IncomingMessage: folded `headers`, every line in `rawHeaders`). */
function expressRequest(...authorization: string[]) {
  return {
    headers: authorization.length ? { authorization: authorization[0], host: 'x' } : { host: 'x' },
    rawHeaders: ['Host', 'x', ...authorization.flatMap((value) => ['Authorization', value])],
  };
}

/** A Fastify-like request: the raw IncomingMessage is under `raw`. */
function fastifyRequest(...authorization: string[]) {
  const raw = expressRequest(...authorization);
  return { headers: raw.headers, raw: { rawHeaders: raw.rawHeaders } };
}

describe('extractBearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['BeArEr abc.def.ghi', 'abc.def.ghi'],
    ['Bearer   abc.def.ghi  ', 'abc.def.ghi'],
  ])('reads %j → %j (scheme case-insensitive)', (header, token) => {
    expect(extractBearerToken(expressRequest(header))).toBe(token);
    expect(extractBearerToken(fastifyRequest(header))).toBe(token);
  });

  it.each([
    ['no Authorization header', expressRequest()],
    ['no headers at all', {}],
    ['an empty header', expressRequest('')],
    ['Bearer alone', expressRequest('Bearer')],
    ['Bearer and spaces', expressRequest('Bearer    ')],
    ['Basic credentials', expressRequest('Basic YWxpY2U6c2VjcmV0')],
    ['a scheme that starts like Bearer', expressRequest('Bearerx abc')],
    ['a scheme that contains Bearer', expressRequest('NotBearer abc')],
    ['a token without scheme', expressRequest('abc.def.ghi')],
    ['a tab instead of a space after Bearer', expressRequest('Bearer\tabc.def.ghi')],
    ['a scheme as long as Bearer', expressRequest('Bearex abc.def.ghi')],
  ])('returns null (no credentials) for %s', (_name, request) => {
    expect(extractBearerToken(request)).toBeNull();
  });

  it('never reads the query string or the body', () => {
    const request = {
      ...expressRequest(),
      query: { access_token: 'a.b.c' },
      body: { access_token: 'a.b.c' },
      url: '/me?access_token=a.b.c',
    };
    expect(extractBearerToken(request)).toBeNull();
  });

  it.each([
    ['two Bearer headers (Express)', expressRequest('Bearer a.b.c', 'Bearer a.b.c')],
    ['Bearer then Basic (Express)', expressRequest('Bearer a.b.c', 'Basic YTpi')],
    ['two headers (Fastify raw)', fastifyRequest('Bearer a.b.c', 'Bearer d.e.f')],
    [
      'differently cased header names',
      {
        headers: { authorization: 'Bearer a.b.c' },
        rawHeaders: ['authorization', 'Bearer a.b.c', 'AUTHORIZATION', 'x'],
      },
    ],
    ['an array value', { headers: { authorization: ['Bearer a.b.c', 'Bearer d.e.f'] } }],
  ])('throws InvalidRequestError for %s', (_name, request) => {
    let error: unknown;
    try {
      extractBearerToken(request);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).description).toBe('The request has more than one Authorization header');
  });

  it('does not count other headers whose name merely contains authorization', () => {
    const request = {
      headers: { authorization: 'Bearer a.b.c' },
      rawHeaders: ['Authorization', 'Bearer a.b.c', 'Proxy-Authorization', 'Basic x', 'X-Authorization', 'y'],
    };
    expect(extractBearerToken(request)).toBe('a.b.c');
  });
});
