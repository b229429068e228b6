/**
 * Every gateway message goes through the module, with no `@UseGuards()` and no
 * `cognitoHandshake`: anonymous clients connect, and each message is judged on its own (who
 * sent it, `@Groups()`, the clock, the deny-list). The module's guard is bound to gateway
 * classes and Nest 12 also applies global guards to gateways: a message is still checked once
 * (a counting `customCheck` sees one call per message). Real apps on both adapters, real
 * socket.io clients, the kit's real JWKS server.
 */
import { randomUUID } from 'node:crypto';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CognitoRevocationService, type CognitoUser, CurrentUser, Groups, Public } from 'nestjs-cognito-auth';
import type { Socket } from 'socket.io-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { useModuleApp, useSocketClients } from './support/kit-app.js';
import { nowSeconds, recordSubjects } from './support/auth-e2e.js';
import { errorLines } from './support/error-log.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS } from './support/test-app.js';

const EXPIRED = 'The token has expired';
const REVOKED = 'The token has been revoked';

/** No `@UseGuards()`, no handshake check: what the module guarantees on its own. */
@WebSocketGateway({ namespace: '/plain' })
class PlainGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub };
  }

  @Groups('admin')
  @SubscribeMessage('admin')
  admin(@CurrentUser('sub') sub: string) {
    return { admin: sub };
  }

  @Public()
  @SubscribeMessage('ping')
  ping(@CurrentUser() user: CognitoUser | null) {
    return { pong: true, sub: user?.sub ?? null };
  }
}

describe.each(ADAPTERS)('a gateway without @UseGuards checks every message (%s)', (adapter) => {
  /** Subjects the counting custom check saw, one entry per call. */
  const checked: string[] = [];
  const sockets = useSocketClients();
  const { kit, app } = useModuleApp({
    adapter,
    options: { clockTolerance: 0, customCheck: recordSubjects(checked) },
    providers: [PlainGateway],
  });
  beforeEach(() => {
    checked.length = 0;
  });

  const connect = (token?: string): Promise<Socket> =>
    sockets.connect(`${app.url}/plain`, token === undefined ? {} : { auth: { token } });

  it("an anonymous client's message to a protected handler: exception 401", async () => {
    const socket = await connect();
    expect(await ask(socket, 'whoami')).toEqual({
      exception: expect.objectContaining({ status: 401, error: 'unauthorized' }),
    });
    expect(await ask(socket, 'ping')).toEqual({ ack: { pong: true, sub: null } });
  });

  it('a user outside the group of an @Groups handler: exception 403; a member is answered', async () => {
    const outsider = await connect(kit.accessToken({ sub: 'outsider', 'cognito:groups': ['staff'] }));
    expect(await ask(outsider, 'admin')).toEqual({
      exception: expect.objectContaining({ status: 403, error: 'forbidden' }),
    });
    expect(await ask(outsider, 'whoami')).toEqual({ ack: { sub: 'outsider' } });
    const member = await connect(kit.accessToken({ sub: 'member', 'cognito:groups': ['admin'] }));
    expect(await ask(member, 'admin')).toEqual({ ack: { admin: 'member' } });
  });

  it('a token that expires while the connection stays open is refused on the next message', async () => {
    const token = kit.accessToken({ sub: 'short-lived' }, { expiresIn: 3 });
    const exp = Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp);
    const socket = await connect(token);
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'short-lived' } });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
    expect(await ask(socket, 'whoami')).toEqual({
      exception: expect.objectContaining({ status: 401, error: 'invalid_token', message: EXPIRED }),
    });
  });

  it('a session revoked while the connection stays open is refused on the next message', async () => {
    const session = randomUUID();
    const socket = await connect(kit.accessToken({ sub: 'signed-out', origin_jti: session }));
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'signed-out' } });
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(await ask(socket, 'whoami')).toEqual({
      exception: expect.objectContaining({ status: 401, error: 'invalid_token', message: REVOKED }),
    });
  });

  it('the customCheck runs exactly once per message', async () => {
    const socket = await connect(kit.accessToken({ sub: 'counted' }));
    for (let i = 0; i < 3; i++) expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'counted' } });
    expect(await ask(socket, 'ping')).toEqual({ ack: { pong: true, sub: 'counted' } });
    expect(checked).toEqual(['counted', 'counted', 'counted', 'counted']);
  });

  it('writes nothing at error level for these refusals', () => {
    expect(errorLines(app.logs)).toEqual([]);
    expect(app.logs.text()).not.toMatch(/WsExceptionsHandler|Internal server error/);
  });
});
