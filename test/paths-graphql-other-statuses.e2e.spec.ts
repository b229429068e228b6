/**
 * An `HttpException` of a status the module has no GraphQL code for (a policy's 409, a
 * customCheck's 429) keeps its status on every path and gets one error code over GraphQL, over
 * HTTP and over graphql-ws alike, never `INTERNAL_SERVER_ERROR`: the refusal is the app's
 * deliberate answer, not a server error. REST, the app on Lambda and a socket.io message are the
 * control. One app per adapter; real clients.
 */
import { HttpException } from '@nestjs/common';
import { CognitoAuthModule, Policy } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get } from './support/http.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { getViaLambda, operationOutcome, useAppOnEveryAdapter, useGraphqlWsConnections } from './support/paths-app.js';
import { graphql } from './support/policy-e2e.js';
import { okController, okGateway, trueResolver } from './support/rule-handlers.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS } from './support/test-app.js';

const closedRoom = () => {
  throw new HttpException('Room is closed', 409);
};
const RULES = { room: [Policy(closedRoom)] };

const kit = useKit();
const apps = useAppOnEveryAdapter((adapter) => ({
  imports: [
    CognitoAuthModule.forRoot({
      ...kit.moduleOptions(),
      customCheck: ({ payload }) => {
        if (payload.sub === 'too-fast') throw new HttpException('Slow down', 429);
      },
    }),
    graphqlWsModule(adapter),
  ],
  controllers: [okController('rules', RULES)],
  providers: [trueResolver(RULES), okGateway('/rules', RULES)],
}));
const sockets = useSocketClients();
const openGraphqlWs = useGraphqlWsConnections();

const CASES: Array<[string, () => string, number, string]> = [
  ["a policy's 409", () => kit.accessToken(), 409, 'Room is closed'],
  ["a customCheck's 429", () => kit.accessToken({ sub: 'too-fast' }), 429, 'Slow down'],
];

describe('an HttpException of another status keeps it on every path, with one GraphQL code', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(CASES)('%s', async (_case, token, status, message) => {
      const app = apps[adapter];
      expect((await get(`${app.url}/rules/room`, bearer(token()))).status).toBe(status);
      expect((await getViaLambda(app, '/rules/room', bearer(token()))).status).toBe(status);
      const socket = await sockets.connect(`${app.url}/rules`, { auth: { token: token() } });
      expect(await ask(socket, 'room')).toEqual({ exception: { status, error: 'refused', message } });

      const overHttp = operationOutcome([await graphql(app, '{ room }', token())]).error as Record<string, unknown>;
      const ws = await openGraphqlWs(app.url, token());
      const overWs = operationOutcome(await ws.run('{ room }')).error as Record<string, unknown>;
      expect(overHttp).toMatchObject({ status, message });
      expect(overHttp.code).toEqual(expect.any(String));
      expect(overHttp.code).not.toBe('INTERNAL_SERVER_ERROR');
      expect(overWs).toEqual(overHttp);
    });
  });
});
