/**
 * GraphQL over WebSockets (the graphql-transport-ws protocol) for suites: a server side set up as
 * the README shows it, and a `graphql-ws` client on the `ws` package that keeps one connection
 * open until the suite closes it, so every operation of a test runs on that same connection.
 */
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { ExecutionResult } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';

/**
 * The GraphQL context of an operation. Over HTTP, the request (and response) as the guard reads
 * them. Over graphql-ws, the context factory receives graphql-ws's context instead: the
 * connection's upgrade request (`extra.request`) stands for the request, and the client's
 * `connectionParams` go along, since the module reads the token from their `authorization`
 * (`Bearer …`) before the request's headers. graphql-ws calls the factory once per operation.
 */
export function graphqlContextFactory(adapter: HttpAdapterName) {
  return (requestOrContext: any, reply?: unknown) => {
    if (requestOrContext?.extra) {
      return { req: requestOrContext.extra.request, connectionParams: requestOrContext.connectionParams };
    }
    return adapter === 'fastify'
      ? { request: requestOrContext, reply }
      : { req: requestOrContext.req, res: requestOrContext.res };
  };
}

/**
 * A context factory that keeps one object per graphql-ws connection: graphql-ws's `extra`, with
 * the request and the connection params added, as apps that store per-connection values in
 * `extra` (Nest's subscriptions documentation) write it. Over HTTP, as `graphqlContextFactory`.
 */
export function connectionContextFactory(adapter: HttpAdapterName) {
  const overHttp = graphqlContextFactory(adapter);
  return (requestOrContext: any, reply?: unknown) => {
    if (!requestOrContext?.extra) return overHttp(requestOrContext, reply);
    const { extra, connectionParams } = requestOrContext;
    extra.req ??= extra.request;
    extra.connectionParams ??= connectionParams;
    return extra;
  };
}

/** GraphQL at /graphql over HTTP (POST) and over graphql-ws (`ws://…/graphql`), for either adapter. */
export function graphqlWsModule(
  adapter: HttpAdapterName,
  context: ApolloDriverConfig['context'] = graphqlContextFactory(adapter),
): DynamicModule {
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    path: '/graphql',
    subscriptions: { 'graphql-ws': true },
    context,
  });
}

export interface GraphqlWsConnection {
  readonly client: Client;
  /** How many times the client connected: 1 while the same connection served every operation. */
  readonly connections: () => number;
  /** Runs one operation (query or subscription) and resolves with its results. */
  run(query: string): Promise<ExecutionResult[]>;
  close(): Promise<void>;
}

/**
 * Connects to `${httpUrl}/graphql` over graphql-ws, with `authorization` in the connection
 * params, and `headers` on the upgrade request (what a client that can set them sends).
 */
export async function connectGraphqlWs(
  httpUrl: string,
  authorization?: string,
  headers: Record<string, string> = {},
): Promise<GraphqlWsConnection> {
  let connections = 0;
  class WebSocketWithHeaders extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocketWithHeaders,
    connectionParams: authorization === undefined ? {} : { authorization },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      resolve();
    });
    client.on('error', reject);
  });
  client.on('connected', () => (connections += 1));
  connections = 1;
  return {
    client,
    connections: () => connections,
    run: (query) => runOperation(client, query),
    close: async () => {
      await client.dispose();
    },
  };
}

function runOperation(client: Client, query: string): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${query}`)), 5_000);
    client.subscribe(
      { query },
      {
        next: (result) => results.push(result as ExecutionResult),
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(results);
        },
      },
    );
  });
}
