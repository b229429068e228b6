/**
 * The app's own user is part of the authentication attempt: one `authenticate` event per
 * request, published once the principal is made, whose result is the transformer's too.
 */
import { COGNITO_AUTH_CHANNELS, type CognitoAuthenticateEvent } from 'nestjs-cognito-auth';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startModuleApp } from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { TransformerProbe, WhoController } from './support/identity.js';
import { useApp, useKit } from './support/kit-app.js';
import { createMeteredProvider, valueOf } from './support/metric-reader.js';
import { useChannelEvents } from './support/channel-events.js';

const kit = useKit();
const probe = new TransformerProbe();
const meter = createMeteredProvider();
const app = useApp(() =>
  startModuleApp(
    kit,
    { transformUser: probe.transform, transformUserTimeoutMs: 200, metrics: { meterProvider: meter.provider } },
    [WhoController],
  ),
);
afterAll(() => meter.shutdown());

const events = useChannelEvents<CognitoAuthenticateEvent>(COGNITO_AUTH_CHANNELS.authenticate);
beforeEach(() => probe.reset());

describe("one authenticate event per request, with the transformer's outcome", () => {
  it.each([
    ['a principal', 200, () => undefined, { result: 'success', status: 200 }],
    ['null', 401, () => (probe.answer = () => null), { result: 'failure', reason: 'user_not_found', status: 401 }],
    [
      'a thrown error',
      503,
      () =>
        (probe.answer = () => {
          throw new Error('database down');
        }),
      { result: 'failure', status: 503 },
    ],
    ['no answer in time', 503, () => (probe.delayMs = 1_000), { result: 'failure', status: 503 }],
  ])('%s: the request answered %i, one event saying so', async (_name, status, arrange, event) => {
    arrange();
    const res = await get(`${app.url}/who`, bearer(kit.accessToken()));
    expect(res.status).toBe(status);
    expect(events).toEqual([expect.objectContaining({ ...event, transport: 'http' })]);
  });

  it('the duration histogram counts a transformer refusal as a failure with its reason', async () => {
    const notFound = async () =>
      valueOf((await meter.collect()).get('cognito_auth.authenticate.duration'), {
        'cognito_auth.failure.reason': 'user_not_found',
      });
    const before = await notFound();
    probe.answer = () => null;
    expect((await get(`${app.url}/who`, bearer(kit.accessToken()))).status).toBe(401);
    expect((await notFound()) - before).toBe(1);
  });
});
