/**
 * `CognitoTokenVerifier.verify()` and `authenticate()` are authentication attempts too: each
 * publishes one `authenticate` event with `transport: 'verifier'`, admitted or refused, and is
 * counted under `cognito_auth.transport` `verifier`.
 */
import {
  COGNITO_AUTH_CHANNELS,
  type CognitoAuthenticateEvent,
  CognitoAuthModule,
  CognitoTokenVerifier,
} from 'nestjs-cognito-auth';
import { afterAll, describe, expect, it } from 'vitest';
import { useApp, useKit } from './support/kit-app.js';
import { createMeteredProvider, valueOf } from './support/metric-reader.js';
import { startApp } from './support/test-app.js';
import { useChannelEvents } from './support/channel-events.js';

const kit = useKit();
const meter = createMeteredProvider();
const app = useApp(() =>
  startApp({
    imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), metrics: { meterProvider: meter.provider } })],
  }),
);
afterAll(() => meter.shutdown());

const events = useChannelEvents<CognitoAuthenticateEvent>(COGNITO_AUTH_CHANNELS.authenticate);

describe('verify() and authenticate() publish their attempts with transport verifier', () => {
  it('verify(): one event for an admitted token, one for a refused one', async () => {
    const verifier = app.app.get(CognitoTokenVerifier);
    await verifier.verify(kit.accessToken());
    await verifier.verify(kit.accessToken({}, { expiresIn: -60 })).catch(() => undefined);
    expect(events).toEqual([
      expect.objectContaining({ result: 'success', status: 200, transport: 'verifier', userPoolId: kit.userPoolId }),
      expect.objectContaining({ result: 'failure', reason: 'expired', status: 401, transport: 'verifier' }),
    ]);
  });

  it('authenticate(): one event', async () => {
    await app.app.get(CognitoTokenVerifier).authenticate(kit.accessToken());
    expect(events).toEqual([expect.objectContaining({ result: 'success', transport: 'verifier' })]);
  });

  it('counted under cognito_auth.transport verifier', async () => {
    await app.app.get(CognitoTokenVerifier).verify(kit.accessToken());
    const histogram = (await meter.collect()).get('cognito_auth.authenticate.duration');
    expect(valueOf(histogram, { 'cognito_auth.transport': 'verifier' })).toBeGreaterThan(0);
  });
});
