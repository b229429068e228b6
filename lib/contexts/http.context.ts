import type { ExecutionContext } from '@nestjs/common';
import { type FailureAnswer, httpExceptionOf } from '../errors/failure-answer.js';
import { tokenFromRequest } from '../token/token-sources.js';
import type { ContextAdapter } from './context-adapter.interface.js';

/** Express and Fastify: the request and response are the handler's first two arguments. */
export const httpContext: ContextAdapter = {
  transport: 'http',
  // What switchToHttp().getRequest() returns, without the closures switchToHttp() allocates.
  getRequest: (context) => context.getArgByIndex(0),
  findToken: (request, tokenCookie) => tokenFromRequest(request, { cookie: tokenCookie }),
  placeUser(request, principal, user) {
    request.user = principal;
    request.cognitoUser = user;
  },
  refuse(failure: FailureAnswer, context: ExecutionContext): Error {
    setResponseHeaders(context.getArgByIndex(1), failure.headers);
    return httpExceptionOf(failure);
  },
};

/** Sets headers on an Express/Node response or a Fastify reply; ignores anything else. */
export function setResponseHeaders(response: any, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (response?.raw && typeof response.header === 'function') {
      response.header(name, value);
    } else if (typeof response?.setHeader === 'function' && !response.headersSent) {
      response.setHeader(name, value);
    }
  }
}
