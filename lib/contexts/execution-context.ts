import type { ExecutionContext } from '@nestjs/common';
import type { ContextAdapter } from './context-adapter.interface.js';
import { graphqlContext } from './graphql.context.js';
import { httpContext } from './http.context.js';

const adapters: Record<string, ContextAdapter> = { http: httpContext, graphql: graphqlContext };

/** The adapter of a context's type; unknown types are handled as HTTP, which fails closed (no headers, no token). */
export function contextAdapterOf(context: ExecutionContext): ContextAdapter {
  return adapters[context.getType<string>()] ?? httpContext;
}

/** The request of any supported context: where the guard put the user, and where `@CurrentUser()` reads it. */
export function getRequestFromContext(context: ExecutionContext): any {
  return contextAdapterOf(context).getRequest(context);
}
