/**
 * The testing kit's Lambda event builders make events that AWS's own schemas accept
 * (`@aws-lambda-powertools/parser`'s zod schemas), shaped as the gateway and the load balancer
 * shape them: repeated headers, cookies, query strings.
 */
import {
  AlbMultiValueHeadersSchema,
  AlbSchema,
  APIGatewayProxyEventSchema,
  APIGatewayProxyEventV2Schema,
  APIGatewayRequestAuthorizerEventSchema,
  APIGatewayRequestAuthorizerEventV2Schema,
  APIGatewayTokenAuthorizerEventSchema,
} from '@aws-lambda-powertools/parser/schemas';
import {
  albEvent,
  apiGatewayV1Event,
  apiGatewayV2Event,
  authorizerRequestEvent,
  authorizerTokenEvent,
  httpApiAuthorizerEvent,
  type LambdaEventOptions,
} from 'nestjs-cognito-auth/testing';
import { describe, expect, it } from 'vitest';

/** A request with everything that is shaped differently by each event kind. */
const BUSY_REQUEST: LambdaEventOptions & { cookies: string[] } = {
  method: 'post',
  path: '/orders/42',
  query: { page: '2', tag: ['a', 'b'] },
  headers: {
    Authorization: 'Bearer x.y.z',
    'X-Forwarded-For': ['10.0.0.1', '10.0.0.2'],
    Cookie: 'theme=dark; session=abc',
    'User-Agent': 'vitest',
  },
  body: '{"qty":1}',
  cookies: ['extra=1'],
};

describe('each builder makes an event that AWS schemas accept', () => {
  it.each([
    ['apiGatewayV1Event', APIGatewayProxyEventSchema, () => apiGatewayV1Event()],
    ['apiGatewayV1Event (busy)', APIGatewayProxyEventSchema, () => apiGatewayV1Event(BUSY_REQUEST)],
    ['apiGatewayV2Event', APIGatewayProxyEventV2Schema, () => apiGatewayV2Event()],
    ['apiGatewayV2Event (busy)', APIGatewayProxyEventV2Schema, () => apiGatewayV2Event(BUSY_REQUEST)],
    ['albEvent', AlbSchema, () => albEvent()],
    ['albEvent (busy)', AlbSchema, () => albEvent(BUSY_REQUEST)],
    [
      'albEvent (multi-value)',
      AlbMultiValueHeadersSchema,
      () => albEvent({ ...BUSY_REQUEST, multiValueHeaders: true }),
    ],
    ['authorizerTokenEvent', APIGatewayTokenAuthorizerEventSchema, () => authorizerTokenEvent()],
    [
      'authorizerTokenEvent (with a token)',
      APIGatewayTokenAuthorizerEventSchema,
      () => authorizerTokenEvent({ authorizationToken: 'Bearer x.y.z', stage: 'dev' }),
    ],
    ['authorizerRequestEvent', APIGatewayRequestAuthorizerEventSchema, () => authorizerRequestEvent()],
    [
      'authorizerRequestEvent (busy)',
      APIGatewayRequestAuthorizerEventSchema,
      () => authorizerRequestEvent(BUSY_REQUEST),
    ],
    ['httpApiAuthorizerEvent', APIGatewayRequestAuthorizerEventV2Schema, () => httpApiAuthorizerEvent()],
    [
      'httpApiAuthorizerEvent (busy)',
      APIGatewayRequestAuthorizerEventV2Schema,
      () => httpApiAuthorizerEvent(BUSY_REQUEST),
    ],
  ] as const)('%s', (_name, schema, build) => {
    const event = build();
    const parsed = schema.safeParse(event);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.success).toBe(true);
  });

  it('a schema does refuse an event of another kind (the check can fail)', () => {
    expect(APIGatewayProxyEventV2Schema.safeParse(apiGatewayV1Event()).success).toBe(false);
    expect(APIGatewayTokenAuthorizerEventSchema.safeParse(authorizerRequestEvent()).success).toBe(false);
  });
});

describe('payload 1.0 (REST API) keeps one value per header and every value apart', () => {
  it('the last value in headers, all of them in multiValueHeaders, names as sent', () => {
    const event = apiGatewayV1Event(BUSY_REQUEST);
    expect(event.headers['X-Forwarded-For']).toBe('10.0.0.2');
    expect(event.multiValueHeaders['X-Forwarded-For']).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(event.headers.Cookie).toBe('theme=dark; session=abc');
    expect(event.queryStringParameters).toEqual({ page: '2', tag: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ page: ['2'], tag: ['a', 'b'] });
    expect(event).toMatchObject({ httpMethod: 'POST', path: '/orders/42', body: '{"qty":1}' });
    expect(event.requestContext).toMatchObject({ stage: 'prod', httpMethod: 'POST', path: '/prod/orders/42' });
  });
});

describe('payload 2.0 (HTTP API) joins repeated headers with commas and sends cookies apart', () => {
  it('lower-case names, joined values, cookies from the Cookie header and the option', () => {
    const event = apiGatewayV2Event(BUSY_REQUEST);
    expect(event.headers).toEqual({
      authorization: 'Bearer x.y.z',
      'x-forwarded-for': '10.0.0.1,10.0.0.2',
      'user-agent': 'vitest',
    });
    expect(event.cookies).toEqual(['extra=1', 'theme=dark', 'session=abc']);
    expect(event.rawQueryString).toBe('page=2&tag=a&tag=b');
    expect(event.queryStringParameters).toEqual({ page: '2', tag: 'a,b' });
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/orders/42', userAgent: 'vitest' });
  });

  it('two Authorization headers arrive as one value holding a comma', () => {
    const event = apiGatewayV2Event({ headers: { Authorization: ['Bearer a', 'Bearer b'] } });
    expect(event.headers.authorization).toBe('Bearer a,Bearer b');
  });

  it('no cookies: no cookies field, as the gateway sends it', () => {
    expect(apiGatewayV2Event()).not.toHaveProperty('cookies');
  });
});

describe('ALB events keep the last value, or every value with multi-value headers', () => {
  it('single-value', () => {
    const event = albEvent(BUSY_REQUEST);
    expect(event.headers?.['x-forwarded-for']).toBe('10.0.0.2');
    expect(event.multiValueHeaders).toBeUndefined();
  });

  it('multi-value', () => {
    const event = albEvent({ ...BUSY_REQUEST, multiValueHeaders: true });
    expect(event.multiValueHeaders?.['x-forwarded-for']).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(event.headers).toBeUndefined();
  });
});

describe('authorizer events name the route that was called', () => {
  it('methodArn and routeArn: region, account, api, stage, method, path', () => {
    const options = {
      method: 'delete',
      path: '/orders/7',
      region: 'eu-west-1',
      accountId: '111122223333',
      apiId: 'api1',
    };
    expect(authorizerTokenEvent(options).methodArn).toBe(
      'arn:aws:execute-api:eu-west-1:111122223333:api1/prod/DELETE/orders/7',
    );
    expect(authorizerRequestEvent({ ...options, stage: 'dev' }).methodArn).toBe(
      'arn:aws:execute-api:eu-west-1:111122223333:api1/dev/DELETE/orders/7',
    );
    expect(httpApiAuthorizerEvent(options).routeArn).toBe(
      'arn:aws:execute-api:eu-west-1:111122223333:api1/$default/DELETE/orders/7',
    );
  });

  it("the HTTP API authorizer's identity source is the Authorization header", () => {
    expect(httpApiAuthorizerEvent({ headers: { Authorization: 'Bearer t' } }).identitySource).toEqual(['Bearer t']);
    expect(httpApiAuthorizerEvent().identitySource).toEqual([]);
  });
});
