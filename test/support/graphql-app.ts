/**
 * A minimal GraphQL set-up for suites that need their own resolvers (not the sample app's):
 * Apollo at POST /graphql, the request in the context as the guard expects it, and a helper that
 * posts one query.
 */
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { type HttpResult, send } from './http.js';

/** GraphQL at POST /graphql, as the README shows it, for either adapter. */
export function testGraphqlModule(adapter: HttpAdapterName, extra: Partial<ApolloDriverConfig> = {}): DynamicModule {
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    path: '/graphql',
    context:
      adapter === 'fastify'
        ? (request: unknown, reply: unknown) => ({ request, reply })
        : ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
    ...extra,
  });
}

/** POSTs `{ query }` to `${url}/graphql`. */
export function postQuery(
  url: string,
  query: string,
  headers: Record<string, string | string[]> = {},
): Promise<HttpResult> {
  return send('POST', `${url}/graphql`, { 'content-type': 'application/json', ...headers }, JSON.stringify({ query }));
}
