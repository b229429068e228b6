import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { HttpAdapterName } from './sample-config.js';

/**
 * GraphQL at POST /graphql. The guard reads the request from the GraphQL context, so the
 * context must carry it: `{ req }` on Express, `{ request }` on Fastify.
 */
export function sampleGraphqlModule(adapter: HttpAdapterName): DynamicModule {
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    path: '/graphql',
    // Apollo adds stack traces unless NODE_ENV is production or test: never send them to clients.
    includeStacktraceInErrorResponses: false,
    context:
      adapter === 'fastify'
        ? (request: unknown, reply: unknown) => ({ request, reply })
        : ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
  });
}
