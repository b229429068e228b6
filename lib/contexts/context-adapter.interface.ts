import type { ExecutionContext } from '@nestjs/common';
import type { FailureAnswer } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoTransport } from '../events/cognito-channels.js';

/**
 * Everything the authentication pipeline needs to know about one kind of execution context
 * (HTTP, GraphQL, WebSocket, microservice, …): where the token is, where the user goes, how a
 * refusal reaches the client. A new context is one adapter, registered with
 * `registerContextAdapter(type, adapter)`.
 */
export interface ContextAdapter {
  /** The transport named in the `authenticate` diagnostics events. */
  readonly transport: CognitoTransport;
  /** The object that carries the credentials and on which the user is put (`request.user`). */
  getRequest(context: ExecutionContext): any;
  /**
   * The token of the request from the built-in sources (`tokenCookie` is the configured cookie
   * name, if any), or null when it has none. Throws `InvalidRequestError` for an ambiguous request.
   */
  findToken(request: any, tokenCookie: string | undefined, context?: ExecutionContext): string | null;
  /**
   * The object that identifies one operation when the guard runs several times for it (one
   * GraphQL operation, once per selected field): its token is verified once. Undefined when
   * every call is its own operation.
   */
  operationOf?(context: ExecutionContext): object | undefined;
  /**
   * Puts the principal (the app's user, or the Cognito user without `transformUser`) where the
   * handler and `@CurrentUser()` read it (`user`), and the verified Cognito user where
   * `@CurrentCognitoUser()` reads it (`cognitoUser`); both null on a public route without one.
   */
  placeUser(request: any, principal: object | null, user: CognitoUser | null, context?: ExecutionContext): void;
  /** Writes what the transport can carry of the answer and returns the error to throw. */
  refuse(failure: FailureAnswer, context: ExecutionContext): Error;
}
