/**
 * A microservice message (context type `rpc`) is an authentication attempt like any other: the
 * `authenticate` diagnostics event names its transport `rpc`, and so does the
 * `cognito_auth.transport` attribute of the OpenTelemetry histogram, for an admitted message
 * and a refused one. The messages are judged by a real app's global guard, through Nest's own
 * ExecutionContextHost as the microservice context creator builds it; the app finds the token
 * in the message with a custom extractor.
 */
import type { CanActivate } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { COGNITO_AUTH_CHANNELS, type CognitoAuthenticateEvent, CognitoMessageRequest } from 'nestjs-cognito-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoFallbackGuard } from '../lib/cognito-fallback.guard.js';
import { probeModule } from './support/hostile.js';
import { useKit } from './support/kit-app.js';
import { createMeteredProvider, type MeteredProvider, valueOf } from './support/metric-reader.js';
import { type RunningApp, startApp } from './support/test-app.js';
import { useChannelEvents } from './support/channel-events.js';

class OrdersConsumer {
  created(_data: unknown) {}
}

/** One message of pattern `orders.created`, carrying `token` in its data when given. */
function rpcMessage(token?: string): ExecutionContextHost {
  const data = token === undefined ? { orderId: 1 } : { orderId: 1, token };
  const context = new ExecutionContextHost(
    [data, { getPattern: () => 'orders.created' }],
    OrdersConsumer,
    OrdersConsumer.prototype.created,
  );
  context.setType('rpc');
  return context;
}

/** Whether the guard lets the message through; a refusal is its HttpException's status. */
async function judge(guard: CanActivate, context: ExecutionContextHost): Promise<number> {
  try {
    return (await guard.canActivate(context)) ? 200 : 403;
  } catch (error) {
    return (error as { getStatus?: () => number }).getStatus?.() ?? 500;
  }
}

const kit = useKit();
let metered: MeteredProvider;
let app: RunningApp;
let guard: CanActivate;
beforeAll(async () => {
  metered = createMeteredProvider();
  app = await startApp(
    probeModule({
      ...kit.moduleOptions(),
      metrics: { meterProvider: metered.provider },
      tokenExtractor: (request: unknown) =>
        request instanceof CognitoMessageRequest ? ((request.data as { token?: string }).token ?? null) : null,
    }),
  );
  guard = app.app.get(CognitoFallbackGuard);
});
afterAll(async () => {
  await app?.close();
  await metered?.shutdown();
});

/** The `authenticate` events published while a test runs. */
const events = useChannelEvents<CognitoAuthenticateEvent>(COGNITO_AUTH_CHANNELS.authenticate);

describe('each authenticate event of a microservice message names the transport rpc', () => {
  it('an admitted message: one success event', async () => {
    expect(await judge(guard, rpcMessage(kit.accessToken()))).toBe(200);
    expect(events).toEqual([
      expect.objectContaining({
        transport: 'rpc',
        result: 'success',
        status: 200,
        userPoolId: kit.userPoolId,
        tokenUse: 'access',
      }),
    ]);
  });

  it('a message refused for its expired token: one failure event', async () => {
    expect(await judge(guard, rpcMessage(kit.accessToken({}, { expiresIn: -60 })))).toBe(401);
    expect(events).toEqual([
      expect.objectContaining({ transport: 'rpc', result: 'failure', reason: 'expired', status: 401 }),
    ]);
  });

  it('a message without a token: one event with no token', async () => {
    expect(await judge(guard, rpcMessage())).toBe(401);
    expect(events).toEqual([expect.objectContaining({ transport: 'rpc', result: 'none', status: 401 })]);
  });
});

describe('the cognito_auth.transport attribute of the authenticate histogram', () => {
  it('counts admitted and refused messages under rpc', async () => {
    const count = async (result: string) =>
      valueOf((await metered.collect()).get('cognito_auth.authenticate.duration'), {
        'cognito_auth.transport': 'rpc',
        'cognito_auth.result': result,
      });
    const [successes, failures] = [await count('success'), await count('failure')];
    expect(await judge(guard, rpcMessage(kit.accessToken()))).toBe(200);
    expect(await judge(guard, rpcMessage(kit.accessToken({}, { expiresIn: -60 })))).toBe(401);
    expect(await count('success')).toBe(successes + 1);
    expect(await count('failure')).toBe(failures + 1);
  });
});
