import type { ExecutionContext } from '@nestjs/common';
import { type FailureAnswer, httpExceptionOf } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { ContextAdapter } from './context-adapter.interface.js';

/**
 * The "request" of a microservice message (and of any context type this library does not
 * know): the message's data and its transport context, as the handler receives them. It has
 * no headers, so only a custom token extractor can find a token in it.
 */
export class CognitoMessageRequest {
  /** The principal: the app's own user with `transformUser`, else the Cognito user. */
  user: object | null = null;
  /** The verified Cognito user. */
  cognitoUser: CognitoUser | null = null;
  constructor(
    readonly data: unknown,
    readonly context: unknown,
  ) {}
}

/** Keyed by the handler's argument list, which the guard and the parameter decorators share. */
const messageRequests = new WeakMap<object, CognitoMessageRequest>();

/**
 * Microservice handlers fail closed: never a token read from a message payload by guesswork,
 * never a user written onto the payload. A refusal is the `HttpException` of its status,
 * which an exception filter of the app can turn into its transport's error.
 */
export const rpcContext: ContextAdapter = {
  transport: 'rpc',
  getRequest(context: ExecutionContext) {
    const args = context.getArgs();
    if (!Array.isArray(args)) return new CognitoMessageRequest(undefined, undefined);
    let request = messageRequests.get(args);
    if (!request) messageRequests.set(args, (request = new CognitoMessageRequest(args[0], args[1])));
    return request;
  },
  // A message has no headers: only a custom token extractor finds a token in it.
  findToken: () => null,
  placeUser(request: CognitoMessageRequest, principal, user) {
    request.user = principal;
    request.cognitoUser = user;
  },
  refuse: (failure: FailureAnswer): Error => httpExceptionOf(failure),
};
