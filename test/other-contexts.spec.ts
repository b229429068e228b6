/**
 * Contexts other than HTTP, GraphQL and WebSocket (microservice handlers, and any type this
 * library does not know) under the global guard: a clear refusal unless a custom extractor
 * finds a token, never a crash and never a pass. Driven with Nest's own ExecutionContextHost,
 * as the microservice context creator builds it, against a real app's guard and verifier.
 */
import { type CanActivate, HttpException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { CognitoMessageRequest, Groups, Public, tokenFromRequest } from 'nestjs-cognito-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoFallbackGuard } from '../lib/cognito-fallback.guard.js';
import { getRequestFromContext } from '../lib/contexts/execution-context.js';
import { useKit } from './support/kit-app.js';
import { probeModule } from './support/hostile.js';
import { type RunningApp, startApp } from './support/test-app.js';

class OrdersConsumer {
  created(_data: unknown) {}
  @Public()
  ping(_data: unknown) {}
  @Groups('admin')
  purge(_data: unknown) {}
}

type Handler = 'created' | 'ping' | 'purge';

/** The context of one message: its data and the transport's context object, type `rpc` unless told. */
function messageContext(handler: Handler, data: unknown, type = 'rpc') {
  const context = new ExecutionContextHost(
    [data, { getPattern: () => 'orders.created' }],
    OrdersConsumer,
    OrdersConsumer.prototype[handler],
  );
  context.setType(type as 'rpc');
  return context;
}

/** The guard's outcome, whether it returns, resolves, throws or rejects. */
async function judge(
  guard: CanActivate,
  context: ExecutionContextHost,
): Promise<{ admitted: true } | { refused: unknown }> {
  try {
    await guard.canActivate(context);
    return { admitted: true };
  } catch (refused) {
    return { refused };
  }
}

function expectRefusal(outcome: { admitted: true } | { refused: unknown }, status: number) {
  expect(outcome).toHaveProperty('refused');
  const { refused } = outcome as { refused: unknown };
  expect(refused).toBeInstanceOf(HttpException);
  expect((refused as HttpException).getStatus()).toBe(status);
}

const kit = useKit();

describe('a microservice handler without a custom extractor', () => {
  let app: RunningApp;
  let guard: CanActivate;
  beforeAll(async () => {
    app = await startApp(probeModule(kit.moduleOptions()));
    guard = app.app.get(CognitoFallbackGuard);
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['an object payload', { orderId: 1 }],
    ['a string payload', 'order-1'],
    ['a number payload', 42],
    ['no payload', undefined],
    ['a null payload', null],
  ])('refuses %s with a clear 401, not a TypeError', async (_name, data) => {
    expectRefusal(await judge(guard, messageContext('created', data)), 401);
  });

  it('never takes a token from a payload shaped like an HTTP request', async () => {
    const data = { headers: { authorization: `Bearer ${kit.accessToken()}` }, cookie: `a=${kit.accessToken()}` };
    const context = messageContext('created', data);
    expectRefusal(await judge(guard, context), 401);
    expect(data).not.toHaveProperty('user');
  });

  it('lets a @Public() handler run, with no user and the payload untouched', async () => {
    const data = Object.freeze({ ping: true });
    const context = messageContext('ping', data);
    expect(await judge(guard, context)).toEqual({ admitted: true });
    expect(getRequestFromContext(context)).toBeInstanceOf(CognitoMessageRequest);
    expect(getRequestFromContext(context).user).toBeNull();
  });

  it('handles a context type it does not know the same way', async () => {
    expectRefusal(
      await judge(
        guard,
        messageContext('created', { headers: { authorization: `Bearer ${kit.accessToken()}` } }, 'kafka-like'),
      ),
      401,
    );
  });
});

describe('a microservice handler through a custom extractor', () => {
  let app: RunningApp;
  let guard: CanActivate;
  beforeAll(async () => {
    app = await startApp(
      probeModule({
        ...kit.moduleOptions(),
        // The app decides where its messages carry a token; the built-in sources stay for HTTP.
        tokenExtractor: (request: unknown) =>
          request instanceof CognitoMessageRequest
            ? ((request.data as { token?: string } | null)?.token ?? null)
            : tokenFromRequest(request),
      }),
    );
    guard = app.app.get(CognitoFallbackGuard);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('admits a valid token and gives @CurrentUser() its user', async () => {
    const context = messageContext('created', { token: kit.accessToken({ sub: 'from-message' }) });
    expect(await judge(guard, context)).toEqual({ admitted: true });
    expect(getRequestFromContext(context).user).toMatchObject({ sub: 'from-message' });
  });

  it('refuses an expired token with 401', async () => {
    expectRefusal(
      await judge(guard, messageContext('created', { token: kit.accessToken({}, { expiresIn: -60 }) })),
      401,
    );
  });

  it('refuses a user outside the required group with 403', async () => {
    expectRefusal(await judge(guard, messageContext('purge', { token: kit.accessToken() })), 403);
    const admin = messageContext('purge', { token: kit.accessToken({ 'cognito:groups': ['admin'] }) });
    expect(await judge(guard, admin)).toEqual({ admitted: true });
  });

  it('refuses a message without a token with 401', async () => {
    expectRefusal(await judge(guard, messageContext('created', 'no token here')), 401);
  });
});
