import type { ExecutionContext } from '@nestjs/common';

/**
 * The HTTP request behind an execution context. In a GraphQL resolver the request sits in the
 * GraphQL context (third resolver argument) as `req` (Express) or `request` (Fastify); reading
 * it there avoids loading `@nestjs/graphql` at all.
 */
export function getRequestFromContext(context: ExecutionContext): any {
  if (context.getType<string>() === 'graphql') {
    const graphqlContext = context.getArgByIndex(2);
    return graphqlContext?.req ?? graphqlContext?.request;
  }
  // What switchToHttp().getRequest() returns, without the three closures switchToHttp() allocates.
  return context.getArgByIndex(0);
}

export function getResponseFromContext(context: ExecutionContext): any {
  if (context.getType<string>() === 'graphql') {
    const graphqlContext = context.getArgByIndex(2);
    return graphqlContext?.res ?? graphqlContext?.reply;
  }
  return context.getArgByIndex(1);
}

/** Sets a header on an Express/Node response or a Fastify reply; ignores anything else. */
export function setResponseHeader(response: any, name: string, value: string): void {
  if (response?.raw && typeof response.header === 'function') {
    response.header(name, value);
  } else if (typeof response?.setHeader === 'function' && !response.headersSent) {
    response.setHeader(name, value);
  }
}
