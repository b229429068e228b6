/**
 * The authorization rules in WebSocket gateways (socket.io), on both HTTP adapters: each rule
 * refuses a message with an `exception` event carrying status 403 (never "Internal server
 * error"), a policy reads the message through the ExecutionContext, an HttpException a policy
 * throws keeps its status, and the fallback policy applies to messages without rules.
 */
import { type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import {
  AllGroups,
  CognitoAuthModule,
  type CognitoPolicyHandler,
  type CognitoUser,
  Groups,
  NotGroups,
  Policy,
  RequireClaim,
} from 'nestjs-cognito-auth';
import type { Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { useAppsClosedAfterAll, useKit, useSocketClients } from './support/kit-app.js';
import { okGateway } from './support/rule-handlers.js';
import { ask, type Reply } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

@Injectable()
class RoomDirectory {
  membersOf(room: string): string[] {
    return room === 'ops-room' ? ['user-1'] : [];
  }
}

/** An injectable policy with a dependency, reading the message's data. */
@Injectable()
class RoomMemberPolicy implements CognitoPolicyHandler {
  constructor(private readonly rooms: RoomDirectory) {}

  handle(user: CognitoUser, context: ExecutionContext): boolean {
    const { room } = context.switchToWs().getData<{ room: string }>();
    return this.rooms.membersOf(room).includes(user.sub);
  }
}

const refuseLater = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  return false;
};
const conflict = () => {
  throw new HttpException('Room is closed', 409);
};
function explodingSocketPolicy(): boolean {
  throw new Error('boom');
}

const RulesGateway = okGateway('/rules', {
  default: [],
  'any-group': [Groups('admin')],
  'all-groups': [AllGroups('admin', 'ops')],
  'not-suspended': [NotGroups('suspended')],
  tenant: [RequireClaim('custom:tenant', 'acme')],
  owner: [Policy((user, context) => context.switchToWs().getData<{ sub?: string }>()?.sub === user.sub)],
  room: [Policy(RoomMemberPolicy)],
  'refused-later': [Policy(refuseLater)],
  'http-exception': [Policy(conflict)],
  throws: [Policy(explodingSocketPolicy)],
});

const kit = useKit();
const clients = useSocketClients();
const apps = useAppsClosedAfterAll();

async function start(adapter: HttpAdapterName, fallbackGroups?: string[]): Promise<RunningApp> {
  const fallback = fallbackGroups ? { fallbackPolicy: { groups: fallbackGroups } } : {};
  const app = await startApp(
    {
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...fallback })],
      providers: [RulesGateway, RoomDirectory],
    },
    { adapter },
  );
  apps.push(app);
  return app;
}

const connect = (app: RunningApp, claims: Record<string, unknown> = {}): Promise<Socket> =>
  clients.connect(`${app.url}/rules`, { auth: { token: kit.accessToken(claims) } });

const OK: Reply = { ack: { ok: true } };
const forbidden = (message: string): Reply => ({ exception: { status: 403, error: 'forbidden', message } });
const POLICY = 'A policy of this route refused the request';

describe.each(ADAPTERS)('rules in WebSocket handlers (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start(adapter);
  });

  it('group rules: any-of, all-of, none-of', async () => {
    const adminOps = await connect(app, { 'cognito:groups': ['admin', 'ops'] });
    expect(await ask(adminOps, 'any-group')).toEqual(OK);
    expect(await ask(adminOps, 'all-groups')).toEqual(OK);
    expect(await ask(adminOps, 'not-suspended')).toEqual(OK);
    const suspendedAdmin = await connect(app, { 'cognito:groups': ['admin', 'suspended'] });
    expect(await ask(suspendedAdmin, 'any-group')).toEqual(OK);
    expect(await ask(suspendedAdmin, 'all-groups')).toEqual(
      forbidden('The user is not in all the groups required here'),
    );
    expect(await ask(suspendedAdmin, 'not-suspended')).toEqual(forbidden('The user is in a group not allowed here'));
  });

  it('claim requirement', async () => {
    expect(await ask(await connect(app, { 'custom:tenant': 'acme' }), 'tenant')).toEqual(OK);
    expect(await ask(await connect(app, { 'custom:tenant': 'globex' }), 'tenant')).toEqual(
      forbidden("The token's custom:tenant claim is missing or not accepted here"),
    );
  });

  it('policies read the message through the context: a function and an injectable class', async () => {
    const socket = await connect(app, { sub: 'user-1' });
    expect(await ask(socket, 'owner', { sub: 'user-1' })).toEqual(OK);
    expect(await ask(socket, 'owner', { sub: 'user-2' })).toEqual(forbidden(POLICY));
    expect(await ask(socket, 'room', { room: 'ops-room' })).toEqual(OK);
    expect(await ask(socket, 'room', { room: 'other' })).toEqual(forbidden(POLICY));
    expect(await ask(socket, 'refused-later')).toEqual(forbidden(POLICY));
  });

  it('an HttpException keeps its status; anything else thrown is a 403, never "Internal server error"', async () => {
    const socket = await connect(app);
    expect(await ask(socket, 'http-exception')).toEqual({
      exception: { status: 409, error: 'refused', message: 'Room is closed' },
    });
    expect(await ask(socket, 'throws')).toEqual(forbidden(POLICY));
    expect(app.logs.text()).not.toMatch(/Internal server error|WsExceptionsHandler/);
  });
});

describe.each(ADAPTERS)('the fallback policy in WebSocket handlers (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start(adapter, ['staff']);
  });

  it('applies to messages without rules; a handler rule replaces it', async () => {
    expect(await ask(await connect(app, { 'cognito:groups': ['staff'] }), 'default')).toEqual(OK);
    const outsider = await connect(app, { 'cognito:groups': ['admin'] });
    expect(await ask(outsider, 'default')).toEqual(forbidden('The user is not in a group allowed here'));
    expect(await ask(outsider, 'any-group')).toEqual(OK);
  });
});
