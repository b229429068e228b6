import { STATUS_CODES } from 'node:http';
import { type ExecutionContext, IntrinsicException } from '@nestjs/common';
import type { FailureAnswer } from '../errors/failure-answer.js';
import { tokenFromRequest } from '../token/token-sources.js';
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
 * The code of a status: Apollo's name, or else the status's reason phrase in Apollo's style
 * (409 `CONFLICT`, 429 `TOO_MANY_REQUESTS`): a status an app's policy or custom check chose
 * keeps a code of its own, where none would make Apollo say `INTERNAL_SERVER_ERROR`.
 */
function graphqlCodeOf(status: number): string {
  const known = GRAPHQL_CODES[status];
  if (known) return known;
  const phrase = STATUS_CODES[status];
  return phrase ? phrase.toUpperCase().replace(/[^A-Z0-9]+/g, '_') : `HTTP_${status}`;
}

/**
 * A refusal in a resolver. graphql-js copies `extensions` of the error a resolver throws into
 * the GraphQL error, so the client gets a precise code (never `INTERNAL_SERVER_ERROR`) without
 * this library importing `graphql`. It is an `IntrinsicException`: Nest's exception handler
 * does not log it, an expected refusal is not an error of the app.
 */
export class CognitoGraphQLError extends IntrinsicException {
  override readonly name = 'CognitoGraphQLError';
  readonly extensions: Record<string, unknown>;

  constructor(failure: FailureAnswer) {
    super(failure.message);
    this.extensions = {
      code: graphqlCodeOf(failure.status),
      status: failure.status,
      reason: failure.code,
      ...(failure.retryAfterSeconds === undefined ? {} : { retryAfter: failure.retryAfterSeconds }),
    };
  }
}

/** The GraphQL context object (third resolver argument): one per operation. */
function graphqlContextOf(context: ExecutionContext): any {
  return context.getArgByIndex(2);
}

/**
 * Resolvers get the request from the GraphQL context, as `req` (Express) or `request`
 * (Fastify); reading it there avoids loading `@nestjs/graphql`. Over graphql-ws the context
 * also holds the client's `connectionParams`, whose `authorization` (`Bearer …`) carries the
 * token, since browsers cannot set headers on a WebSocket.
 */
export const graphqlContext: ContextAdapter = {
  transport: 'graphql',
  getRequest(context) {
    const graphqlContext = graphqlContextOf(context);
    return graphqlContext?.req ?? graphqlContext?.request;
  },
  findToken(request, tokenCookie, context) {
    // An `authorization` in the connection's parameters decides, whatever it holds, as a header would.
    const fromParams = context && paramsAuthorization(graphqlContextOf(context)?.connectionParams);
    if (fromParams !== undefined) return tokenFromRequest({ headers: { authorization: fromParams } });
    return tokenFromRequest(request, { cookie: tokenCookie });
  },
  // Per operation, never per connection: over graphql-ws one upgrade request (and often one
  // context object) serves every operation of the connection, and each must be checked against
  // the clock and the deny-list. graphql-js makes the variable values anew for every execution
  // (each HTTP operation, each graphql-ws operation, each subscription event) and hands the
  // same object to every field of it.
  operationOf: (context) => context.getArgByIndex(3)?.variableValues ?? graphqlContextOf(context) ?? undefined,
  placeUser(request, principal, user) {
    if (!request) return;
    request.user = principal;
    request.cognitoUser = user;
  },
  refuse(failure: FailureAnswer, context: ExecutionContext): Error {
    const graphqlContext = graphqlContextOf(context);
    setResponseHeaders(graphqlContext?.res ?? graphqlContext?.reply, failure.headers);
    return new CognitoGraphQLError(failure);
  },
};

function paramsAuthorization(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const value = (params as Record<string, unknown>).authorization ?? (params as Record<string, unknown>).Authorization;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : '';
}
