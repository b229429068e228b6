/**
 * The `transport` of each authentication attempt, path by path: the `authenticate` diagnostics
 * event and the `cognito_auth.transport` attribute of the OpenTelemetry histogram name where the
 * token came in (REST `http`, `AuthGuard('cognito-jwt')` `passport`, GraphQL over HTTP and over
 * graphql-ws `graphql`, the socket.io handshake and gateway messages `ws`, the app as a Lambda
 * function behind API Gateway `http`: it is the same Nest HTTP app), for an admitted token and a
 * refused one alike. One app per adapter, each with its own meter provider; real clients.
 */
import { COGNITO_AUTH_CHANNELS, type CognitoAuthenticateEvent, CognitoAuthModule } from 'nestjs-cognito-auth';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { postQuery } from './support/graphql-app.js';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer } from './support/http.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { createMeteredProvider, type MeteredProvider, valueOf } from './support/metric-reader.js';
import {
  askPath,
  operationOutcome,
  PATHS_METADATA,
  type PathName,
  useAppOnEveryAdapter,
  useGraphqlWsConnections,
} from './support/paths-app.js';
import { ADAPTERS } from './support/test-app.js';
import { useChannelEvents } from './support/channel-events.js';

/**
 * The transport each path's attempts name, in the order they happen: a route public to the
 * global guard still authenticates a token it carries (optional authentication) before
 * `AuthGuard('cognito-jwt')` runs; a gateway behind a handshake check judges the handshake,
 * then the message.
 */
const TRANSPORTS_OF: ReadonlyArray<[PathName, readonly string[]]> = [
  ['rest', ['http']],
  ['passport', ['http', 'passport']],
  ['graphql', ['graphql']],
  ['graphql-ws', ['graphql']],
  ['handshake', ['ws', 'ws']],
  ['message', ['ws']],
  ['lambda', ['http']],
];

const kit = useKit();
const meters = {} as Record<HttpAdapterName, MeteredProvider>;
const apps = useAppOnEveryAdapter((adapter) => {
  meters[adapter] = createMeteredProvider();
  return {
    imports: [
      CognitoAuthModule.forRoot({ ...kit.moduleOptions(), metrics: { meterProvider: meters[adapter].provider } }),
      graphqlWsModule(adapter),
    ],
    ...PATHS_METADATA,
  };
});
afterAll(async () => {
  await Promise.all(Object.values(meters).map((meter) => meter.shutdown()));
});
const sockets = useSocketClients();
const openGraphqlWs = useGraphqlWsConnections();

/** The `authenticate` events published while a test runs. */
const events = useChannelEvents<CognitoAuthenticateEvent>(COGNITO_AUTH_CHANNELS.authenticate);

describe('each authenticate event names the path the token came in by', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(TRANSPORTS_OF)('%s: an admitted token', async (path, transports) => {
      expect(await askPath(path, apps[adapter], kit.accessToken(), sockets)).toMatchObject({ status: 200 });
      expect(events.map((event) => event.transport)).toEqual(transports);
      for (const event of events) {
        expect(event).toMatchObject({ result: 'success', status: 200, userPoolId: kit.userPoolId, tokenUse: 'access' });
      }
    });

    it.each(TRANSPORTS_OF)('%s: an expired token', async (path, transports) => {
      const expired = kit.accessToken({}, { expiresIn: -60 });
      expect(await askPath(path, apps[adapter], expired, sockets)).toMatchObject({ status: 401 });
      // A refused handshake never reaches a message; a public route's refusal is "no user", then Passport refuses.
      const expected = path === 'handshake' ? transports.slice(0, 1) : transports;
      expect(events.map((event) => event.transport)).toEqual(expected);
      for (const event of events) expect(event).toMatchObject({ result: 'failure', reason: 'expired', status: 401 });
    });
  });
});

describe('one authenticate event per GraphQL operation, however many fields it selects', () => {
  it.each(ADAPTERS)('three aliases over HTTP, then over graphql-ws: one event each (%s)', async (adapter) => {
    const app = apps[adapter];
    const token = kit.accessToken();
    const query = '{ a: pool b: pool c: pool }';
    const body = (await postQuery(app.url, query, bearer(token))).json();
    expect(body).toEqual({ data: { a: kit.userPoolId, b: kit.userPoolId, c: kit.userPoolId } });
    const ws = await openGraphqlWs(app.url, token);
    expect(operationOutcome(await ws.run(query))).toEqual({ data: body.data });
    expect(events.map((event) => [event.transport, event.result])).toEqual([
      ['graphql', 'success'],
      ['graphql', 'success'],
    ]);
  });
});

describe('the cognito_auth.transport attribute of the authenticate histogram', () => {
  it.each(ADAPTERS)('counts the attempts of each path under its transport (%s)', async (adapter) => {
    const app = apps[adapter];
    const count = async (transport: string, result = 'success') =>
      valueOf((await meters[adapter].collect()).get('cognito_auth.authenticate.duration'), {
        'cognito_auth.transport': transport,
        'cognito_auth.result': result,
      });
    for (const [path, transports] of TRANSPORTS_OF) {
      const before = Object.fromEntries(await Promise.all(transports.map(async (t) => [t, await count(t)] as const)));
      await askPath(path, app, kit.accessToken(), sockets);
      for (const transport of new Set(transports)) {
        const times = transports.filter((named) => named === transport).length;
        expect(await count(transport), `${path} → ${transport}`).toBe(before[transport]! + times);
      }
    }
  });
});
