/**
 * With `tokenCookie`, any `Authorization` header decides, on every path that reads the cookie:
 * another scheme, an empty `Bearer` or an empty header, sent with a valid token cookie, is a
 * request without bearer credentials (401 `Bearer`), never the cookie's user. The client said
 * which credentials it sends; a cookie the browser added on its own is not read behind its back.
 * `connectionParams.authorization` of graphql-ws counts as such a header. Real apps on both
 * adapters, real HTTP, real socket.io and graphql-ws clients, the kit's real JWKS server.
 */
import { Module } from '@nestjs/common';
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { useApp, useKit, useSocketClients } from './support/kit-app.js';
import { CheckedGateway, OpenGateway } from './support/socket-app.js';
import { MeController, MeResolver, OptionalController, PassportController } from './support/fixture-app.js';
import { postQuery } from './support/graphql-app.js';
import { connectGraphqlWs, graphqlWsModule } from './support/graphql-ws-client.js';
import { get } from './support/http.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, startApp } from './support/test-app.js';

const COOKIE = 'id_token';

/** `Authorization` values that carry no bearer token: each must keep the cookie unread. */
const NOT_BEARER: ReadonlyArray<readonly [string, string]> = [
  ['another scheme (Basic)', 'Basic dXNlcjpwYXNz'],
  ['an empty Bearer', 'Bearer '],
  ['an empty header', ''],
];

/** Each of `places` with each `Authorization` value of NOT_BEARER. */
const everyCase = <T>(places: ReadonlyArray<readonly [string, T]>) =>
  places.flatMap(([place, where]) =>
    NOT_BEARER.map(([name, authorization]) => [place, name, where, authorization] as const),
  );

/** The two guards of HTTP routes, and the path each one guards. */
const BEARER_ROUTES = [
  ['the guard', '/me/sub'],
  ["AuthGuard('cognito-jwt')", '/passport'],
] as const;

/** Where a graphql-ws client puts its `Authorization`: true for the upgrade request's header. */
const GRAPHQL_WS_PLACES = [
  ['on the upgrade request', true],
  ['in connectionParams.authorization', false],
] as const;

const kit = useKit();

const cookieOf = (sub: string) => `${COOKIE}=${kit.accessToken({ sub })}`;

function cookieApp(adapter: (typeof ADAPTERS)[number]) {
  @Module({
    imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenCookie: COOKIE }), graphqlWsModule(adapter)],
    controllers: [MeController, OptionalController, PassportController],
    providers: [MeResolver, CheckedGateway, OpenGateway],
  })
  class CookieAppModule {}
  return startApp({ imports: [CookieAppModule] }, { adapter });
}

describe.each(ADAPTERS)(
  'an Authorization header that is not a bearer token keeps the cookie unread (%s)',
  (adapter) => {
    const app = useApp(() => cookieApp(adapter));
    const sockets = useSocketClients();

    it('the cookie alone is read on every path (the control)', async () => {
      const cookie = cookieOf('from-cookie');
      expect((await get(`${app.url}/me/sub`, { cookie })).json()).toEqual({ sub: 'from-cookie' });
      expect((await get(`${app.url}/passport`, { cookie })).json()).toEqual({ sub: 'from-cookie' });
      expect((await postQuery(app.url, '{ me { sub } }', { cookie })).json()).toEqual({
        data: { me: { sub: 'from-cookie' } },
      });
      const socket = await sockets.connect(`${app.url}/checked`, { headers: { cookie } });
      expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: 'from-cookie' } });
    });

    it.each(everyCase(BEARER_ROUTES))('%s answers 401 Bearer to %s', async (_guard, _case, path, authorization) => {
      const res = await get(`${app.url}${path}`, { authorization, cookie: cookieOf('from-cookie') });
      expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
        status: 401,
        challenge: 'Bearer',
      });
    });

    it.each(NOT_BEARER)('a public route has no user with %s', async (_case, authorization) => {
      const res = await get(`${app.url}/optional`, { authorization, cookie: cookieOf('from-cookie') });
      expect({ status: res.status, body: res.json() }).toEqual({ status: 200, body: { user: null } });
    });

    it.each(NOT_BEARER)('GraphQL answers UNAUTHENTICATED to %s', async (_case, authorization) => {
      const res = await postQuery(app.url, '{ me { sub } }', { authorization, cookie: cookieOf('from-cookie') });
      const body = res.json();
      expect(body.data).toBeNull();
      expect(body.errors.map((error: any) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
      expect(res.body).not.toContain('from-cookie');
    });

    it.each(NOT_BEARER)('the socket.io handshake is refused with 401 for %s', async (_case, authorization) => {
      const refusal = await sockets.refusal(`${app.url}/checked`, {
        headers: { authorization, cookie: cookieOf('from-cookie') },
      });
      expect({ status: refusal.status, error: refusal.error }).toEqual({ status: 401, error: 'unauthorized' });
    });

    it('graphql-ws reads the cookie of the upgrade request alone (the control)', async () => {
      const ws = await connectGraphqlWs(app.url, undefined, { cookie: cookieOf('from-cookie') });
      try {
        expect(await ws.run('{ me { sub } }')).toEqual([{ data: { me: { sub: 'from-cookie' } } }]);
      } finally {
        await ws.close();
      }
    });

    it.each(everyCase(GRAPHQL_WS_PLACES))(
      'graphql-ws answers UNAUTHENTICATED %s to %s',
      async (_place, _case, upgradeHeader, authorization) => {
        const cookie = cookieOf('from-cookie');
        const ws = upgradeHeader
          ? await connectGraphqlWs(app.url, undefined, { authorization, cookie })
          : await connectGraphqlWs(app.url, authorization, { cookie });
        try {
          const [result] = await ws.run('{ me { sub } }');
          expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        } finally {
          await ws.close();
        }
      },
    );

    it.each([
      ['an empty auth.token', ''],
      ['an empty Bearer in auth.token', 'Bearer '],
    ])('the socket.io handshake is refused with 401 for %s (the handshake auth decides)', async (_case, token) => {
      const refusal = await sockets.refusal(`${app.url}/checked`, {
        auth: { token },
        headers: { cookie: cookieOf('from-cookie') },
      });
      expect({ status: refusal.status, error: refusal.error }).toEqual({ status: 401, error: 'unauthorized' });
    });

    it.each(NOT_BEARER)('a gateway message is refused with 401 for %s', async (_case, authorization) => {
      const socket = await sockets.connect(`${app.url}/open`, {
        headers: { authorization, cookie: cookieOf('from-cookie') },
      });
      const reply = await ask(socket, 'whoami');
      expect(reply).toEqual({ exception: expect.objectContaining({ status: 401, error: 'unauthorized' }) });
    });
  },
);
