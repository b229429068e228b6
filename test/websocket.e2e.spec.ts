/**
 * WebSocket gateways (socket.io) on both HTTP adapters, over real connections: the sample
 * app's `/events` namespace (handshake refused without a valid token), and probe gateways for
 * what the sample app does not show (a clock tolerance of 0, public events, message refusals
 * on a namespace that admits anonymous connections).
 */
import { ForbiddenException, Module } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  type CognitoAuthOptions,
  CognitoAuthModule,
  type CognitoUser,
  CurrentUser,
  Public,
  Scopes,
} from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { partsOf, sleep } from './support/hostile.js';
import { get, send } from './support/http.js';
import { useKitApp, useSampleApp, useSocketClients } from './support/kit-app.js';
import { checkedGateway } from './support/socket-app.js';
import { ask, type ConnectOptions } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

const GuardedGateway = checkedGateway('/guarded');

/** No handshake check: anonymous clients connect, and each message is judged by the guard. */
@WebSocketGateway({ namespace: '/open' })
class OpenGateway {
  @Public()
  @SubscribeMessage('ping')
  ping(@CurrentUser() user: CognitoUser | null) {
    return { pong: true, sub: user?.sub ?? null };
  }

  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub, groups: user.groups };
  }

  @Scopes('orders/read')
  @SubscribeMessage('orders')
  orders() {
    return { ok: true };
  }
}

function probeModule(kit: CognitoTestKit, options: Partial<CognitoAuthOptions> = {}) {
  @Module({
    imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), clockTolerance: 0, ...options })],
    providers: [GuardedGateway, OpenGateway],
  })
  class ProbeModule {}
  return { imports: [ProbeModule] };
}

/**
 * A socket.io handshake over engine.io's polling transport by hand, so the opening request
 * can carry a header twice (socket.io-client folds headers). Returns the namespace's answer.
 */
async function rawPollingHandshake(
  url: string,
  namespace: string,
  headers: Record<string, string | string[]>,
): Promise<{ type: 'connect' | 'connect_error'; data: any }> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await get(base, headers);
  expect(open.status).toBe(200);
  const { sid } = JSON.parse(open.body.slice(1)) as { sid: string };
  await send('POST', `${base}&sid=${sid}`, { 'content-type': 'text/plain;charset=UTF-8' }, `40${namespace},`);
  const answer = await get(`${base}&sid=${sid}`);
  const packet = answer.body
    .split('\x1e')
    .find((part) => part.startsWith(`40${namespace},`) || part.startsWith(`44${namespace},`));
  if (!packet) throw new Error(`no answer from ${namespace}: ${answer.body}`);
  const data = JSON.parse(packet.slice(`40${namespace},`.length));
  return { type: packet.startsWith('40') ? 'connect' : 'connect_error', data: data.data ?? data };
}

/** Nothing a client sent may reach the generic error path. */
function expectNoGenericErrors(app: RunningApp) {
  expect(app.logs.text()).not.toMatch(/Internal server error|WsExceptionsHandler/);
}

describe.each(ADAPTERS)('connecting to /events with a valid token (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  const clients = useSocketClients();

  it.each<[string, string, (token: string) => ConnectOptions]>([
    ['reads the token from the handshake auth.token', 'sub-in-auth', (token) => ({ auth: { token } })],
    [
      'reads the token from the handshake Authorization header',
      'sub-in-header',
      (token) => ({ headers: { authorization: `Bearer ${token}` } }),
    ],
    [
      'works on the websocket transport alone',
      'sub-over-websocket',
      (token) => ({ auth: { token }, transports: ['websocket'] }),
    ],
    ['accepts "Bearer <token>" in auth.token', 'sub-with-scheme', (token) => ({ auth: { token: `Bearer ${token}` } })],
  ])('%s', async (_, sub, options) => {
    const socket = await clients.connect(`${app.url}/events`, options(kit.accessToken({ sub })));
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub } });
  });

  it('HTTP routes on the same port keep working', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expectNoGenericErrors(app);
  });
});

describe.each(ADAPTERS)('refusing the /events handshake (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  const clients = useSocketClients();

  const events = () => `${app.url}/events`;

  it('refuses a connection without a token: 401 unauthorized', async () => {
    expect(await clients.refusal(events())).toEqual({
      reason: 'A bearer token is required',
      status: 401,
      error: 'unauthorized',
      message: 'A bearer token is required',
    });
  });

  it('refuses an expired token: 401 invalid_token', async () => {
    const refusal = await clients.refusal(events(), { auth: { token: kit.accessToken({}, { expiresIn: -60 }) } });
    expect(refusal).toMatchObject({ status: 401, error: 'invalid_token', message: expect.stringMatching(/expired/i) });
  });

  it('refuses a forged token (our kid, another key): 401 invalid_token', async () => {
    const forged = kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } });
    const refusal = await clients.refusal(events(), { auth: { token: forged } });
    expect(refusal).toMatchObject({
      status: 401,
      error: 'invalid_token',
      message: expect.stringMatching(/signature/i),
    });
    expect(JSON.stringify(refusal)).not.toContain(forged.split('.')[2]);
  });

  it('refuses a forged token in the header too', async () => {
    const forged = kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } });
    const refusal = await clients.refusal(events(), { headers: { authorization: `Bearer ${forged}` } });
    expect(refusal).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('never reads the query string', async () => {
    const token = kit.accessToken();
    const refusal = await clients.refusal(events(), { query: { token, access_token: token } });
    expect(refusal).toMatchObject({ status: 401, error: 'unauthorized' });
  });

  it('refuses an auth.token that is not a string: 400 invalid_request', async () => {
    const refusal = await clients.refusal(events(), { auth: { token: { value: kit.accessToken() } } });
    expect(refusal).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it('refuses two Authorization headers: 400 invalid_request', async () => {
    const token = kit.accessToken();
    const refusal = await rawPollingHandshake(app.url, '/events', {
      authorization: [`Bearer ${token}`, `Bearer ${token}`],
    });
    expect(refusal).toMatchObject({ type: 'connect_error', data: { status: 400, error: 'invalid_request' } });
  });

  it('admits the same raw handshake with one Authorization header (control)', async () => {
    const token = kit.accessToken();
    expect(await rawPollingHandshake(app.url, '/events', { authorization: `Bearer ${token}` })).toMatchObject({
      type: 'connect',
    });
  });

  it('logs nothing unexpected', () => expectNoGenericErrors(app));
});

describe.each(ADAPTERS)('key set unavailable at the handshake (%s)', (adapter) => {
  const { kit, app } = useKitApp((kit) => {
    kit.setJwksBehaviour('error-500');
    return startSampleApp(kit, { adapter });
  });
  const clients = useSocketClients();

  it('refuses with 503 unavailable and a retry delay', async () => {
    const refusal = await clients.refusal(`${app.url}/events`, { auth: { token: kit.accessToken() } });
    expect(refusal).toMatchObject({ status: 503, error: 'unavailable', retryAfter: expect.any(Number) });
    expect(refusal.retryAfter).toBeGreaterThan(0);
  });
});

describe.each(ADAPTERS)('@Groups on a message (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  const clients = useSocketClients();

  it('acks { ok: true } for a member of admin', async () => {
    const socket = await clients.connect(`${app.url}/events`, {
      auth: { token: kit.accessToken({ 'cognito:groups': ['admin'] }) },
    });
    expect(await ask(socket, 'admin')).toEqual({ ack: { ok: true } });
  });

  it('answers an exception event with status 403 to anyone else, and the connection stays usable', async () => {
    const socket = await clients.connect(`${app.url}/events`, { auth: { token: kit.accessToken({ sub: 'bob' }) } });
    expect(await ask(socket, 'admin')).toEqual({
      exception: { status: 403, error: 'forbidden', message: 'The user is not in a group allowed here' },
    });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'bob' } });
    expectNoGenericErrors(app);
  });
});

describe.each(ADAPTERS)('a token that expires during the connection (%s)', (adapter) => {
  const { kit, app } = useKitApp((kit) => startApp(probeModule(kit), { adapter }));
  const clients = useSocketClients();

  it('is accepted until exp, then each new message is refused with 401 invalid_token', async () => {
    const token = kit.accessToken({ sub: 'short-lived' }, { expiresIn: 3 });
    const exp = partsOf(token).payload.exp as number;
    const socket = await clients.connect(`${app.url}/guarded`, { auth: { token } });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'short-lived' } });

    await sleep(exp * 1000 - Date.now() + 200);
    expect(await ask(socket, 'whoami')).toEqual({
      exception: { status: 401, error: 'invalid_token', message: expect.stringMatching(/expired/i) },
    });
    expect(socket.connected).toBe(true);
    expectNoGenericErrors(app);
  });
});

describe.each(ADAPTERS)('a public event (%s)', (adapter) => {
  const { kit, app } = useKitApp((kit) => startApp(probeModule(kit), { adapter }));
  const clients = useSocketClients();

  it('answers an anonymous client, with no user', async () => {
    const socket = await clients.connect(`${app.url}/open`);
    expect(await ask(socket, 'ping')).toEqual({ ack: { pong: true, sub: null } });
  });

  it('sees the user of a valid handshake token', async () => {
    const socket = await clients.connect(`${app.url}/open`, { auth: { token: kit.accessToken({ sub: 'known' }) } });
    expect(await ask(socket, 'ping')).toEqual({ ack: { pong: true, sub: 'known' } });
  });

  it('answers with no user when the token is invalid', async () => {
    const socket = await clients.connect(`${app.url}/open`, {
      auth: { token: kit.accessToken({}, { expiresIn: -60 }) },
    });
    expect(await ask(socket, 'ping')).toEqual({ ack: { pong: true, sub: null } });
  });
});

describe.each(ADAPTERS)('message refusals on a namespace that admits anyone (%s)', (adapter) => {
  const { kit, app } = useKitApp((kit) => startApp(probeModule(kit), { adapter }));
  const clients = useSocketClients();

  it('refuses a protected event without a token: 401 unauthorized', async () => {
    const socket = await clients.connect(`${app.url}/open`);
    expect(await ask(socket, 'whoami')).toEqual({
      exception: { status: 401, error: 'unauthorized', message: 'A bearer token is required' },
    });
  });

  it('refuses a protected event with an invalid token: 401 invalid_token', async () => {
    const socket = await clients.connect(`${app.url}/open`, { auth: { token: 'not.a.token' } });
    expect(await ask(socket, 'whoami')).toMatchObject({ exception: { status: 401, error: 'invalid_token' } });
  });

  it('refuses a missing scope: 403 insufficient_scope', async () => {
    const socket = await clients.connect(`${app.url}/open`, { auth: { token: kit.accessToken({ scope: 'openid' }) } });
    expect(await ask(socket, 'orders')).toMatchObject({ exception: { status: 403, error: 'insufficient_scope' } });
  });

  it('admits the protected event with a valid token', async () => {
    const socket = await clients.connect(`${app.url}/open`, {
      auth: { token: kit.accessToken({ sub: 'member', 'cognito:groups': ['a'], scope: 'orders/read' }) },
    });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'member', groups: ['a'] } });
    expect(await ask(socket, 'orders')).toEqual({ ack: { ok: true } });
    expectNoGenericErrors(app);
  });
});

describe.each(ADAPTERS)('a custom check that refuses with an HttpException (%s)', (adapter) => {
  const banned = new Set<string>();
  const customCheck: CognitoAuthOptions['customCheck'] = ({ payload }) => {
    if (banned.has(payload.sub)) throw new ForbiddenException('This account is suspended');
  };
  const { kit, app } = useKitApp((kit) => startApp(probeModule(kit, { customCheck }), { adapter }));
  const clients = useSocketClients();
  afterEach(() => banned.clear());

  it('refuses the handshake with its status', async () => {
    banned.add('banned');
    const refusal = await clients.refusal(`${app.url}/guarded`, {
      auth: { token: kit.accessToken({ sub: 'banned' }) },
    });
    expect(refusal).toMatchObject({ status: 403, error: 'forbidden', message: 'This account is suspended' });
  });

  it('refuses the next message once it starts refusing, with its status', async () => {
    const socket = await clients.connect(`${app.url}/guarded`, { auth: { token: kit.accessToken({ sub: 'later' }) } });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'later' } });
    banned.add('later');
    expect(await ask(socket, 'whoami')).toEqual({
      exception: { status: 403, error: 'forbidden', message: 'This account is suspended' },
    });
    expectNoGenericErrors(app);
  });
});
