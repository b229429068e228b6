import type { ExecutionContext } from '@nestjs/common';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { ContextAdapter } from './context-adapter.interface.js';
import { graphqlContext } from './graphql.context.js';
import { httpContext } from './http.context.js';
import { rpcContext } from './rpc.context.js';
import { websocketContext } from './websocket.context.js';

const adapters = new Map<string, ContextAdapter>([
  ['http', httpContext],
  ['graphql', graphqlContext],
  ['ws', websocketContext],
  ['rpc', rpcContext],
]);

/**
 * Teaches the module a new kind of execution context (`context.getType()`), or replaces the
 * adapter of a known one. Register before the app serves requests.
 */
export function registerContextAdapter(type: string, adapter: ContextAdapter): void {
  adapters.set(type, adapter);
}

/**
 * The adapter of a context's type. Unknown types get the microservice adapter, which fails
 * closed: it reads no headers, so only a custom token extractor can admit anyone.
 */
export function contextAdapterOf(context: ExecutionContext): ContextAdapter {
  return adapters.get(context.getType<string>()) ?? rpcContext;
}

/** The request of any supported context: where the guard put the user, and where `@CurrentUser()` reads it. */
export function getRequestFromContext(context: ExecutionContext): any {
  return contextAdapterOf(context).getRequest(context);
}

/**
 * Puts the users on the request given (a guard subclass's own `getRequest` object) and on the
 * context's own request, where `@CurrentUser()` reads them, each once.
 */
export function placeUsers(
  adapter: ContextAdapter,
  context: ExecutionContext,
  request: unknown,
  principal: object | null,
  user: CognitoUser | null,
): void {
  const contextRequest = adapter.getRequest(context);
  if (request && request !== contextRequest) adapter.placeUser(request, principal, user, context);
  if (contextRequest) adapter.placeUser(contextRequest, principal, user, context);
}
