/**
 * `createCognitoAuthorizer` (`nestjs-cognito-auth/lambda`) answers each API Gateway authorizer
 * event kind as the gateway needs: an Allow policy on the stage, `Error('Unauthorized')`, a
 * Deny, or another error when no key can be had. Real tokens and a real key-set server.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { ForbiddenException, ServiceUnavailableException } from '@nestjs/common';
import { InvalidTokenError, KeySetUnavailableError } from 'nestjs-cognito-auth';
import {
  type CognitoAuthorizer,
  type CognitoAuthorizerEvent,
  type CognitoAuthorizerOptions,
  type CognitoAuthorizerPolicy,
  CognitoAuthConfigError,
  createCognitoAuthorizer,
} from 'nestjs-cognito-auth/lambda';
import {
  authorizerRequestEvent,
  authorizerTokenEvent,
  createCognitoTestKit,
  httpApiAuthorizerEvent,
  type CognitoTestKit,
} from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STAGE_ARN_V1 = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*';
const STAGE_ARN_V2 = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/*/*';

let kit: CognitoTestKit;
/** A pool whose key set answers 500 from the start: no key is ever had. */
let downKit: CognitoTestKit;

beforeAll(async () => {
  [kit, downKit] = await Promise.all([createCognitoTestKit(), createCognitoTestKit()]);
  downKit.setJwksBehaviour('error-500');
});

afterAll(async () => {
  await Promise.all([kit?.close(), downKit?.close()]);
});

/** One event kind: how to build it with a given Authorization header, and where its policy applies. */
interface EventKind {
  readonly name: string;
  readonly stageArn: string;
  event(authorization?: string): CognitoAuthorizerEvent;
}

const EVENT_KINDS: readonly EventKind[] = [
  {
    name: 'REST TOKEN',
    stageArn: STAGE_ARN_V1,
    event: (authorization) =>
      authorizerTokenEvent({ method: 'GET', path: '/orders/42', authorizationToken: authorization ?? '' }),
  },
  {
    name: 'REST REQUEST',
    stageArn: STAGE_ARN_V1,
    event: (authorization) =>
      authorizerRequestEvent({
        method: 'POST',
        path: '/orders',
        headers: authorization === undefined ? {} : { Authorization: authorization },
      }),
  },
  {
    name: 'HTTP API (payload 2.0)',
    stageArn: STAGE_ARN_V2,
    event: (authorization) =>
      httpApiAuthorizerEvent({ path: '/me', headers: authorization === undefined ? {} : { authorization } }),
  },
];

function authorizerFor(pool: CognitoTestKit, options: Partial<CognitoAuthorizerOptions> = {}): CognitoAuthorizer {
  return createCognitoAuthorizer({ ...pool.moduleOptions(), ...options });
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(Error);
  expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
  expect((error as Error).message).toBe('Unauthorized');
}

describe.each(EVENT_KINDS)('the authorizer answers a $name event', (kind) => {
  const authorize = (authorizer: CognitoAuthorizer, authorization?: string) => authorizer(kind.event(authorization));

  it('a valid token: Allow on every route of the stage, principalId = sub, a flat context', async () => {
    const authorizer = authorizerFor(kit);
    const token = kit.accessToken({ sub: 'user-1', username: 'alice', 'cognito:groups': ['admin', 'ops'] });
    const result = (await authorize(authorizer, `Bearer ${token}`)) as CognitoAuthorizerPolicy;
    expect(result).toEqual({
      principalId: 'user-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: kind.stageArn }],
      },
      context: {
        sub: 'user-1',
        username: 'alice',
        clientId: kit.clientId,
        tokenUse: 'access',
        userPoolId: kit.userPoolId,
        groups: 'admin,ops',
        scopes: expect.any(String),
      },
    });
    for (const value of Object.values(result.context ?? {})) {
      expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  });

  it('a machine token (no user name): Allow, and no username in the context', async () => {
    const result = (await authorize(authorizerFor(kit), `Bearer ${kit.machineToken()}`)) as CognitoAuthorizerPolicy;
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(result.context).not.toHaveProperty('username');
    expect(result.context?.groups).toBe('');
  });

  it.each([
    ['no token', undefined],
    ['another scheme', 'Basic YTpi'],
    ['an empty bearer token', 'Bearer '],
  ])('%s: rejects with exactly Error("Unauthorized")', async (_name, authorization) => {
    await expectUnauthorized(authorize(authorizerFor(kit), authorization));
  });

  it.each([
    ['an expired token', () => kit.accessToken({}, { expiresIn: -3600 })],
    ['a token signed by an unknown key', () => kit.accessToken({}, { key: kit.generateKey() })],
    ['an ID token where access tokens are expected', () => kit.idToken()],
    ['another app client', () => kit.accessToken({ client_id: 'someone-else' })],
    ['junk', () => 'not.a.jwt'],
  ])('%s: rejects with exactly Error("Unauthorized")', async (_name, token) => {
    await expectUnauthorized(authorize(authorizerFor(kit), `Bearer ${token()}`));
  });

  it('an Authorization value holding a comma (joined headers): Unauthorized, even with valid tokens', async () => {
    const token = kit.accessToken();
    await expectUnauthorized(authorize(authorizerFor(kit), `Bearer ${token}, Bearer ${token}`));
  });

  it('a groups rule that refuses: a Deny policy on the stage', async () => {
    const authorizer = authorizerFor(kit, { groups: ['admin'] });
    const result = await authorize(
      authorizer,
      `Bearer ${kit.accessToken({ sub: 'user-2', 'cognito:groups': ['staff'] })}`,
    );
    expect(result).toEqual({
      principalId: 'user-2',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: kind.stageArn }],
      },
    });
  });

  it('a scopes rule: all of them are needed', async () => {
    const authorizer = authorizerFor(kit, { scopes: ['orders/read', 'orders/write'] });
    const some = await authorize(authorizer, `Bearer ${kit.accessToken({ scope: 'orders/read' })}`);
    const all = await authorize(authorizer, `Bearer ${kit.accessToken({ scope: 'orders/read orders/write' })}`);
    expect((some as CognitoAuthorizerPolicy).policyDocument.Statement[0].Effect).toBe('Deny');
    expect((all as CognitoAuthorizerPolicy).policyDocument.Statement[0].Effect).toBe('Allow');
  });

  it('no key can be had: rejects with another error than Unauthorized, never an Allow', async () => {
    const error = await rejectionOf(authorize(authorizerFor(downKit), `Bearer ${downKit.accessToken()}`));
    expect(error).toBeInstanceOf(KeySetUnavailableError);
    expect((error as Error).message).not.toBe('Unauthorized');
  });
});

describe('the authorizer answers HTTP API simple responses', () => {
  const simple = (pool: CognitoTestKit, options: Partial<CognitoAuthorizerOptions> = {}) =>
    authorizerFor(pool, { simpleResponse: true, ...options });
  const event = (authorization?: string) =>
    httpApiAuthorizerEvent({ headers: authorization === undefined ? {} : { authorization } });

  it('a valid token: { isAuthorized: true, context }', async () => {
    const result = await simple(kit)(event(`Bearer ${kit.accessToken({ sub: 'user-3', username: 'bob' })}`));
    expect(result).toEqual({
      isAuthorized: true,
      context: expect.objectContaining({ sub: 'user-3', username: 'bob', tokenUse: 'access', groups: '' }),
    });
  });

  it.each([
    ['no token', undefined],
    ['a bad token', 'Bearer not.a.jwt'],
    ['joined Authorization headers', 'Bearer a, Bearer b'],
  ])('%s: { isAuthorized: false }', async (_name, authorization) => {
    expect(await simple(kit)(event(authorization))).toEqual({ isAuthorized: false });
  });

  it('a rule that refuses: { isAuthorized: false }', async () => {
    const result = await simple(kit, { groups: ['admin'] })(event(`Bearer ${kit.accessToken()}`));
    expect(result).toEqual({ isAuthorized: false });
  });

  it('no key can be had: rejects (the gateway answers 500), never authorized', async () => {
    const error = await rejectionOf(simple(downKit)(event(`Bearer ${downKit.accessToken()}`)));
    expect(error).toBeInstanceOf(KeySetUnavailableError);
  });

  it('REST events still get a policy', async () => {
    const result = await simple(kit)(authorizerTokenEvent({ authorizationToken: `Bearer ${kit.accessToken()}` }));
    expect(result).toHaveProperty('policyDocument');
  });
});

describe('the authorizer reads the token as the module does', () => {
  it('a REST REQUEST event with two Authorization headers (multiValueHeaders): Unauthorized', async () => {
    const token = kit.accessToken();
    const event = authorizerRequestEvent({ headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] } });
    expect(event.headers.Authorization).toBe(`Bearer ${token}`);
    await expectUnauthorized(authorizerFor(kit)(event));
  });

  it('the header name in any case on REST events', async () => {
    const event = authorizerRequestEvent({ headers: { AUTHORIZATION: `bearer ${kit.accessToken()}` } });
    const result = (await authorizerFor(kit)(event)) as CognitoAuthorizerPolicy;
    expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  });

  it('with tokenCookie, a payload 2.0 cookie carries the token; the header wins', async () => {
    const authorizer = authorizerFor(kit, { tokenCookie: 'id_token' });
    const fromCookie = await authorizer(
      httpApiAuthorizerEvent({ cookies: ['theme=dark', `id_token=${kit.accessToken({ sub: 'cookie-user' })}`] }),
    );
    expect((fromCookie as CognitoAuthorizerPolicy).principalId).toBe('cookie-user');
    await expectUnauthorized(
      authorizer(
        httpApiAuthorizerEvent({
          headers: { authorization: 'Bearer junk' },
          cookies: [`id_token=${kit.accessToken()}`],
        }),
      ),
    );
  });
});

describe('the authorizer keeps the module key handling and cache', () => {
  it('60 invocations with new and repeated tokens: one key-set download', async () => {
    const pool = await createCognitoTestKit();
    try {
      const authorizer = authorizerFor(pool);
      const tokens = [pool.accessToken(), pool.accessToken({ username: 'other' })];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          authorizer(httpApiAuthorizerEvent({ headers: { authorization: `Bearer ${tokens[i % 2]}` } })),
        ),
      );
      expect(
        results.every((result) => (result as CognitoAuthorizerPolicy).policyDocument.Statement[0].Effect === 'Allow'),
      ).toBe(true);
      expect(pool.jwksRequestCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('preloadKeys: the key set is downloaded when the authorizer is created, before any event', async () => {
    const pool = await createCognitoTestKit();
    try {
      const authorizer = authorizerFor(pool, { preloadKeys: 'best-effort' });
      await authorizer.ready;
      expect(pool.jwksRequestCount).toBe(1);
      await authorizer(authorizerTokenEvent({ authorizationToken: `Bearer ${pool.accessToken()}` }));
      expect(pool.jwksRequestCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('preloadKeys "required": ready rejects when the key set cannot be had', async () => {
    await expect(authorizerFor(downKit, { preloadKeys: 'required' }).ready).rejects.toThrow(/preload failed/);
  });
});

describe('the authorizer publishes authenticate events with transport lambda', () => {
  it('one event per invocation, without the token or the sub', async () => {
    const messages: Array<Record<string, unknown>> = [];
    const listener = (message: unknown) => messages.push(message as Record<string, unknown>);
    diagnosticsChannel.subscribe('nestjs-cognito-auth:authenticate', listener);
    try {
      const authorizer = authorizerFor(kit);
      const token = kit.accessToken({ sub: 'secret-sub' });
      await authorizer(authorizerTokenEvent({ authorizationToken: `Bearer ${token}` }));
      await authorizer(authorizerTokenEvent({ authorizationToken: `Bearer ${token}` }));
      await rejectionOf(authorizer(authorizerTokenEvent({ authorizationToken: 'Bearer not.a.jwt' })));
      await rejectionOf(authorizer(authorizerTokenEvent({})));
      expect(messages).toEqual([
        expect.objectContaining({
          result: 'success',
          status: 200,
          cacheHit: false,
          transport: 'lambda',
          tokenUse: 'access',
        }),
        expect.objectContaining({ result: 'success', status: 200, cacheHit: true, transport: 'lambda' }),
        expect.objectContaining({ result: 'failure', status: 401, reason: 'malformed', transport: 'lambda' }),
        expect.objectContaining({ result: 'none', status: 401, transport: 'lambda' }),
      ]);
      const text = JSON.stringify(messages);
      expect(text).not.toContain('secret-sub');
      expect(text).not.toContain(token);
    } finally {
      diagnosticsChannel.unsubscribe('nestjs-cognito-auth:authenticate', listener);
    }
  });
});

describe("the authorizer answers what the app's customCheck throws as the guard would", () => {
  const event = () => authorizerTokenEvent({ authorizationToken: `Bearer ${kit.accessToken()}` });

  it('a 403 HttpException: a Deny policy', async () => {
    const authorizer = authorizerFor(kit, {
      customCheck: () => {
        throw new ForbiddenException();
      },
    });
    const result = (await authorizer(event())) as CognitoAuthorizerPolicy;
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: STAGE_ARN_V1 });
  });

  it('an InvalidTokenError, or anything else: Unauthorized', async () => {
    for (const thrown of [new InvalidTokenError('custom_check', 'no'), new Error('boom')]) {
      const authorizer = authorizerFor(kit, {
        customCheck: () => {
          throw thrown;
        },
      });
      await expectUnauthorized(authorizer(event()));
    }
  });

  it('a 503 HttpException: rejects with it (the gateway answers 500), never an Allow', async () => {
    const unavailable = new ServiceUnavailableException();
    const authorizer = authorizerFor(kit, {
      customCheck: () => {
        throw unavailable;
      },
    });
    expect(await rejectionOf(authorizer(event()))).toBe(unavailable);
  });
});

describe('the authorizer refuses options it cannot honour', () => {
  it.each([
    ['an empty groups list', { groups: [] }],
    ['an empty scope', { scopes: [''] }],
    ['a Nest-only option', { globalGuard: false }],
    ['a non-boolean simpleResponse', { simpleResponse: 'yes' }],
  ])('%s', (_name, options) => {
    expect(() => createCognitoAuthorizer({ ...kit.moduleOptions(), ...(options as object) })).toThrow(
      CognitoAuthConfigError,
    );
  });

  it('an event without an execute-api ARN is a set-up error, never an Allow', async () => {
    const event = { type: 'TOKEN', methodArn: 'nonsense', authorizationToken: `Bearer ${kit.accessToken()}` } as const;
    const error = await rejectionOf(authorizerFor(kit)(event));
    expect((error as Error).name).toBe('CognitoAuthorizerEventError');
  });
});

describe("the authorizer's types fit AWS's own event and result types", () => {
  it('@types/aws-lambda events are accepted and results assignable', async () => {
    const authorizer = authorizerFor(kit, { simpleResponse: true });
    const token: APIGatewayTokenAuthorizerEvent = authorizerTokenEvent({
      authorizationToken: `Bearer ${kit.accessToken()}`,
    });
    const v2: APIGatewayRequestAuthorizerEventV2 = { ...httpApiAuthorizerEvent(), cookies: [] };
    const policy = (await authorizer(token)) as CognitoAuthorizerPolicy;
    const asAws: APIGatewayAuthorizerResult = policy;
    const simpleResult: APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>> = {
      isAuthorized: true,
      context: { ...policy.context },
    };
    expect(asAws.principalId).toBe(policy.principalId);
    expect(simpleResult.isAuthorized).toBe(true);
    expect(await authorizer(v2)).toEqual({ isAuthorized: false });
  });
});
