/**
 * An expected refusal is not an error of the app: nothing is written at error level (neither by
 * Nest's logger nor on the console) when a client without a valid token is refused, whatever the
 * transport: a GraphQL request with 1000 aliases of a protected field, a REST request, a Passport one, a gateway
 * message, a socket.io handshake, a graphql-ws operation. Real apps on both adapters, real
 * clients, the kit's real JWKS server.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { CognitoAuthModule, Groups } from 'nestjs-cognito-auth';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { useApp, useKit, useSocketClients } from './support/kit-app.js';
import { CheckedGateway, OpenGateway } from './support/socket-app.js';
import { errorLines } from './support/error-log.js';
import { MeController, MeResolver, PassportController } from './support/fixture-app.js';
import { postQuery } from './support/graphql-app.js';
import { connectGraphqlWs, graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get } from './support/http.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, startApp } from './support/test-app.js';

const ALIASES = 1000;

/** Rules that refuse a valid token with 403: the refusals of authorization, not authentication. */
@Controller('admin')
class AdminController {
  @Groups('admin')
  @Get()
  admin() {
    return { ok: true };
  }
}

@Resolver()
class AdminResolver {
  @Groups('admin')
  @Query(() => String)
  adminOnly(): string {
    return 'ok';
  }
}

const kit = useKit();

describe.each(ADAPTERS)('expected refusals write nothing at error level (%s)', (adapter) => {
  let since = 0;
  let consoleError: MockInstance;
  const app = useApp(() => {
    @Module({
      imports: [CognitoAuthModule.forRoot(kit.moduleOptions()), graphqlWsModule(adapter)],
      controllers: [MeController, AdminController, PassportController],
      providers: [MeResolver, AdminResolver, CheckedGateway, OpenGateway],
    })
    class RefusalsAppModule {}
    return startApp({ imports: [RefusalsAppModule] }, { adapter });
  });
  const sockets = useSocketClients();
  beforeEach(() => {
    since = app.logs.lines.length;
    consoleError = vi.spyOn(console, 'error');
  });
  afterEach(() => {
    consoleError.mockRestore();
  });

  /** Nothing at error level since the test began, in Nest's log or on the console. */
  function expectNoErrorLogged() {
    expect(errorLines(app.logs, since)).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
  }

  it(`one unauthenticated POST /graphql with ${ALIASES} aliases of me`, async () => {
    const query = `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: me { sub }`).join(' ')} }`;
    const res = await postQuery(app.url, query);
    const body = res.json();
    // `me` is non-null: the first refusal nulls `data`, and graphql-js reports that one.
    expect(body.data).toBeNull();
    expect(body.errors.length).toBeGreaterThan(0);
    expect(new Set(body.errors.map((error: any) => error.extensions.code))).toEqual(new Set(['UNAUTHENTICATED']));
    expectNoErrorLogged();
  });

  it('a GraphQL request with an expired token', async () => {
    const res = await postQuery(app.url, '{ me { sub } }', bearer(kit.accessToken({}, { expiresIn: -60 })));
    expect(res.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expectNoErrorLogged();
  });

  it('a refused REST request: no token, and an expired token', async () => {
    expect((await get(`${app.url}/me`)).status).toBe(401);
    expect((await get(`${app.url}/me`, bearer(kit.accessToken({}, { expiresIn: -60 })))).status).toBe(401);
    expectNoErrorLogged();
  });

  it('a REST request refused with 403 by @Groups, and with 400 for two Authorization headers', async () => {
    const token = kit.accessToken();
    expect((await get(`${app.url}/admin`, bearer(token))).status).toBe(403);
    expect((await get(`${app.url}/me`, { authorization: [`Bearer ${token}`, `Bearer ${token}`] })).status).toBe(400);
    expectNoErrorLogged();
  });

  it("a request refused by AuthGuard('cognito-jwt'): no token, an expired token, two Authorization headers", async () => {
    const token = kit.accessToken();
    expect((await get(`${app.url}/passport`)).status).toBe(401);
    expect((await get(`${app.url}/passport`, bearer(kit.accessToken({}, { expiresIn: -60 })))).status).toBe(401);
    const twoHeaders = { authorization: [`Bearer ${token}`, `Bearer ${token}`] };
    expect((await get(`${app.url}/passport`, twoHeaders)).status).toBe(400);
    expectNoErrorLogged();
  });

  it(`a GraphQL request with ${ALIASES} aliases of a field refused with 403 by @Groups`, async () => {
    const query = `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: adminOnly`).join(' ')} }`;
    const res = await postQuery(app.url, query, bearer(kit.accessToken()));
    const codes = new Set(res.json().errors.map((error: any) => error.extensions.code));
    expect(codes).toEqual(new Set(['FORBIDDEN']));
    expectNoErrorLogged();
  });

  it('a refused gateway message', async () => {
    const socket = await sockets.connect(`${app.url}/open`);
    expect(await ask(socket, 'whoami')).toEqual({ exception: expect.objectContaining({ status: 401 }) });
    expectNoErrorLogged();
  });

  it('a refused socket.io handshake: no token, and an expired token', async () => {
    expect((await sockets.refusal(`${app.url}/checked`)).status).toBe(401);
    const expired = kit.accessToken({}, { expiresIn: -60 });
    expect((await sockets.refusal(`${app.url}/checked`, { auth: { token: expired } })).status).toBe(401);
    expectNoErrorLogged();
  });

  it('a refused graphql-ws operation', async () => {
    const ws = await connectGraphqlWs(app.url);
    try {
      const [result] = await ws.run('{ me { sub } }');
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await ws.close();
    }
    expectNoErrorLogged();
  });
});
