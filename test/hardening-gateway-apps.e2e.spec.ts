/**
 * The module's guard is put on gateway classes, and class metadata is shared by every app of the
 * process: each app must still judge its own gateways' messages by its own options. Two apps
 * with different user pools and the same gateway class each accept their own pool's tokens
 * only; an app with `globalGuard: false` keeps gateways whose handlers have no guard open, even
 * while an app with the global guard runs in the same process. Real apps, real socket.io clients,
 * the kits' real JWKS servers.
 */
import { Module } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { type CognitoAuthOptions, CognitoAuthModule, CurrentUser } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { useApp, useKit, useSocketClients } from './support/kit-app.js';
import { ask } from './support/socket-client.js';
import { type RunningApp, startApp } from './support/test-app.js';

/** One gateway class, used by every app of this file. */
@WebSocketGateway({ namespace: '/shared' })
class SharedGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: { sub: string } | null | undefined) {
    return { sub: user?.sub ?? null };
  }
}

function gatewayApp(options: CognitoAuthOptions, adapter: HttpAdapterName): Promise<RunningApp> {
  @Module({ imports: [CognitoAuthModule.forRoot(options)], providers: [SharedGateway] })
  class SharedGatewayAppModule {}
  return startApp({ imports: [SharedGatewayAppModule] }, { adapter });
}

const kitA = useKit({ userPoolId: 'us-east-1_GatewayA' });
const kitB = useKit({ userPoolId: 'us-east-1_GatewayB' });
const sockets = useSocketClients();

describe('two apps in one process judge their own gateway messages', () => {
  const a = useApp(() => gatewayApp(kitA.moduleOptions(), 'express'));
  const b = useApp(() => gatewayApp(kitB.moduleOptions(), 'fastify'));

  it("each app answers its own pool's token and refuses the other's with 401", async () => {
    const tokenA = kitA.accessToken({ sub: 'user-of-a' });
    const tokenB = kitB.accessToken({ sub: 'user-of-b' });
    const ownA = await sockets.connect(`${a.url}/shared`, { auth: { token: tokenA } });
    const ownB = await sockets.connect(`${b.url}/shared`, { auth: { token: tokenB } });
    expect(await ask(ownA, 'whoami')).toEqual({ ack: { sub: 'user-of-a' } });
    expect(await ask(ownB, 'whoami')).toEqual({ ack: { sub: 'user-of-b' } });

    const foreignOnA = await sockets.connect(`${a.url}/shared`, { auth: { token: tokenB } });
    const foreignOnB = await sockets.connect(`${b.url}/shared`, { auth: { token: tokenA } });
    for (const socket of [foreignOnA, foreignOnB]) {
      expect(await ask(socket, 'whoami')).toEqual({
        exception: expect.objectContaining({ status: 401, error: 'invalid_token' }),
      });
    }
  });
});

describe('an app with globalGuard: false next to an app with the global guard', () => {
  const guarded = useApp(() => gatewayApp(kitA.moduleOptions(), 'express'));
  const perRoute = useApp(() => gatewayApp({ ...kitB.moduleOptions(), globalGuard: false }, 'express'));

  it('the global guard still refuses an anonymous message on its own app', async () => {
    const socket = await sockets.connect(`${guarded.url}/shared`);
    expect(await ask(socket, 'whoami')).toEqual({ exception: expect.objectContaining({ status: 401 }) });
  });

  it("the per-route app's unguarded handler answers: no other app's guard judges it", async () => {
    const anonymous = await sockets.connect(`${perRoute.url}/shared`);
    expect(await ask(anonymous, 'whoami')).toEqual({ ack: { sub: null } });
  });
});

describe('an app with globalGuard: false after an app with the global guard has closed', () => {
  const perRoute = useApp(async () => {
    const earlier = await gatewayApp(kitA.moduleOptions(), 'express');
    await earlier.close();
    return gatewayApp({ ...kitB.moduleOptions(), globalGuard: false }, 'fastify');
  });

  it('its unguarded handler answers, instead of refusing a connection it does not know', async () => {
    const anonymous = await sockets.connect(`${perRoute.url}/shared`);
    expect(await ask(anonymous, 'whoami')).toEqual({ ack: { sub: null } });
  });
});
