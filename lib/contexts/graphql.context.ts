import type { ExecutionContext } from '@nestjs/common';
import type { FailureAnswer } from '../errors/failure-answer.js';
import type { ContextAdapter } from './context-adapter.interface.js';
import { setResponseHeaders } from './http.context.js';

/** GraphQL error codes (`extensions.code`) by HTTP status, as Apollo names them. */
const GRAPHQL_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * A refusal in a resolver. graphql-js copies `extensions` of the error a resolver throws into
 * the GraphQL error, so the client gets a precise code (never `INTERNAL_SERVER_ERROR`) without
 * this library importing `graphql`.
 */
export class CognitoGraphQLError extends Error {
  override readonly name = 'CognitoGraphQLError';
  readonly extensions: Record<string, unknown>;

  constructor(failure: FailureAnswer) {
    super(failure.message);
    this.extensions = {
      code: GRAPHQL_CODES[failure.status],
      status: failure.status,
      reason: failure.code,
      ...(failure.retryAfterSeconds === undefined ? {} : { retryAfter: failure.retryAfterSeconds }),
    };
  }
}

/**
 * Resolvers get the request from the GraphQL context (third resolver argument), as `req`
 * (Express) or `request` (Fastify); reading it there avoids loading `@nestjs/graphql`.
 */
export const graphqlContext: ContextAdapter = {
  getRequest(context) {
    const graphqlContext = context.getArgByIndex(2);
    return graphqlContext?.req ?? graphqlContext?.request;
  },
  refuse(failure: FailureAnswer, context: ExecutionContext): Error {
    const graphqlContext = context.getArgByIndex(2);
    setResponseHeaders(graphqlContext?.res ?? graphqlContext?.reply, failure.headers);
    return new CognitoGraphQLError(failure);
  },
};
