/**
 * GraphQL over WebSockets (graphql-ws, `subscriptions: { 'graphql-ws': true }`): the token is
 * checked once per operation, never once per connection and never once per field. On one open
 * connection, a token that expires or a session that is revoked is refused on the next operation
 * (UNAUTHENTICATED), and a `customCheck` runs once per operation however many aliases select the
 * user. The context factory the suite uses is `graphqlContextFactory` in
 * test/support/graphql-ws-client.ts. Real apps on both adapters, real `graphql-ws` clients on the
 * `ws` package, the kit's real JWKS server.
 */
import { randomUUID } from 'node:crypto';
import { Resolver, Subscription } from '@nestjs/graphql';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { type CognitoAuthOptions, CognitoRevocationService, CurrentUser } from 'nestjs-cognito-auth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useModuleApp } from './support/kit-app.js';
import { nowSeconds, recordSubjects } from './support/auth-e2e.js';
import { errorLines } from './support/error-log.js';
import { MeResolver } from './support/fixture-app.js';
import {
  connectGraphqlWs,
  connectionContextFactory,
  type GraphqlWsConnection,
  graphqlWsModule,
} from './support/graphql-ws-client.js';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { ADAPTERS } from './support/test-app.js';

const ME = '{ me { sub } }';
const TWO_ALIASES = '{ first: me { sub } second: me { sub } }';
const WHO_AM_I = 'subscription { whoAmI }';

/** A subscription that sends the subscriber's `sub` once and completes. */
@Resolver()
class WhoAmIResolver {
  @Subscription(() => String, { resolve: (sub: string) => sub })
  whoAmI(@CurrentUser('sub') sub: string): AsyncIterableIterator<string> {
    return (async function* () {
      yield sub;
    })();
  }
}

/** What an operation answered: its data, or the codes and messages of its errors. */
function outcomeOf(results: Array<{ data?: unknown; errors?: ReadonlyArray<any> }>) {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (!result.errors) return { data: result.data };
  return {
    errors: result.errors.map((error) => ({ code: error.extensions?.code, message: error.message })),
  };
}

const refused = (message: string) => ({ errors: [{ code: 'UNAUTHENTICATED', message }] });

/**
 * An app serving the resolvers over graphql-ws with a counting `customCheck` (`checked`, emptied
 * before each test), and `connect`, whose connections are closed after each test.
 */
function useGraphqlWsApp(
  adapter: HttpAdapterName,
  options: Partial<CognitoAuthOptions>,
  context?: ApolloDriverConfig['context'],
) {
  const checked: string[] = [];
  const connections: GraphqlWsConnection[] = [];
  const { kit, app } = useModuleApp({
    adapter,
    options: { ...options, customCheck: recordSubjects(checked) },
    imports: [graphqlWsModule(adapter, context)],
    providers: [MeResolver, WhoAmIResolver],
  });
  beforeEach(() => {
    checked.length = 0;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
  });

  /** A connection with `token` in its connectionParams, and `headers` on its upgrade request. */
  async function connect(token?: string, headers?: Record<string, string>): Promise<GraphqlWsConnection> {
    const connection = await connectGraphqlWs(app.url, token === undefined ? undefined : `Bearer ${token}`, headers);
    connections.push(connection);
    return connection;
  }
  return { kit, app, checked, connect };
}

describe.each(ADAPTERS)('graphql-ws checks the token once per operation (%s)', (adapter) => {
  const { kit, app, checked, connect } = useGraphqlWsApp(adapter, { clockTolerance: 0 });

  it('answers a query and a subscription with the user of connectionParams.authorization', async () => {
    const ws = await connect(kit.accessToken({ sub: 'alice' }));
    expect(outcomeOf(await ws.run(ME))).toEqual({ data: { me: { sub: 'alice' } } });
    expect(outcomeOf(await ws.run(WHO_AM_I))).toEqual({ data: { whoAmI: 'alice' } });
  });

  it('refuses an anonymous operation: UNAUTHENTICATED', async () => {
    const ws = await connect();
    expect(outcomeOf(await ws.run(ME))).toEqual(refused('A bearer token is required'));
  });

  it('a token that expires while the connection stays open is refused on the next operation', async () => {
    const token = kit.accessToken({ sub: 'short-lived' }, { expiresIn: 3 });
    const exp = Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp);
    const ws = await connect(token);
    expect(outcomeOf(await ws.run(ME))).toEqual({ data: { me: { sub: 'short-lived' } } });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
    expect(outcomeOf(await ws.run(ME))).toEqual(refused('The token has expired'));
    expect(outcomeOf(await ws.run(WHO_AM_I))).toEqual(refused('The token has expired'));
    expect(ws.connections()).toBe(1);
  });

  it('a session revoked while the connection stays open is refused on the next operation', async () => {
    const session = randomUUID();
    const ws = await connect(kit.accessToken({ sub: 'signed-out', origin_jti: session }));
    expect(outcomeOf(await ws.run(ME))).toEqual({ data: { me: { sub: 'signed-out' } } });
    expect(outcomeOf(await ws.run(WHO_AM_I))).toEqual({ data: { whoAmI: 'signed-out' } });
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(outcomeOf(await ws.run(ME))).toEqual(refused('The token has been revoked'));
    expect(outcomeOf(await ws.run(WHO_AM_I))).toEqual(refused('The token has been revoked'));
    expect(ws.connections()).toBe(1);
  });

  it('runs the customCheck once per operation: not once per connection, not once per field', async () => {
    const ws = await connect(kit.accessToken({ sub: 'counted' }));
    const both = { data: { first: { sub: 'counted' }, second: { sub: 'counted' } } };
    expect(outcomeOf(await ws.run(TWO_ALIASES))).toEqual(both);
    expect(checked).toEqual(['counted']);
    expect(outcomeOf(await ws.run(TWO_ALIASES))).toEqual(both);
    expect(outcomeOf(await ws.run(WHO_AM_I))).toEqual({ data: { whoAmI: 'counted' } });
    expect(checked).toEqual(['counted', 'counted', 'counted']);
  });

  it('with the token in the upgrade request instead, a revoked session is refused on the next operation', async () => {
    const session = randomUUID();
    const token = kit.accessToken({ sub: 'header-user', origin_jti: session });
    const ws = await connect(undefined, { authorization: `Bearer ${token}` });
    expect(outcomeOf(await ws.run(TWO_ALIASES))).toEqual({
      data: { first: { sub: 'header-user' }, second: { sub: 'header-user' } },
    });
    expect(outcomeOf(await ws.run(ME))).toEqual({ data: { me: { sub: 'header-user' } } });
    expect(checked).toEqual(['header-user', 'header-user']);
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(outcomeOf(await ws.run(ME))).toEqual(refused('The token has been revoked'));
    expect(ws.connections()).toBe(1);
  });

  it('writes nothing at error level for these refusals', () => {
    expect(errorLines(app.logs)).toEqual([]);
  });
});

describe.each(ADAPTERS)(
  'graphql-ws with a context object per connection still checks every operation (%s)',
  (adapter) => {
    const { kit, app, checked, connect } = useGraphqlWsApp(adapter, {}, connectionContextFactory(adapter));

    it('a session revoked while the connection stays open is refused on the next operation', async () => {
      const session = randomUUID();
      const ws = await connect(kit.accessToken({ sub: 'kept', origin_jti: session }));
      expect(outcomeOf(await ws.run(ME))).toEqual({ data: { me: { sub: 'kept' } } });
      await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
      expect(outcomeOf(await ws.run(ME))).toEqual(refused('The token has been revoked'));
    });

    it('runs the customCheck once per operation', async () => {
      const ws = await connect(kit.accessToken({ sub: 'counted' }));
      for (let i = 0; i < 3; i++) await ws.run(TWO_ALIASES);
      expect(checked).toEqual(['counted', 'counted', 'counted']);
    });
  },
);
