import type { ExecutionContext } from '@nestjs/common';
import type { FailureAnswer } from '../errors/failure-answer.js';

/** What the guard needs to know about one kind of execution context (HTTP, GraphQL, …). */
export interface ContextAdapter {
  /** The object that carries the credentials and on which the user is put (`request.user`). */
  getRequest(context: ExecutionContext): any;
  /** Writes what the transport can carry of the answer and returns the error to throw. */
  refuse(failure: FailureAnswer, context: ExecutionContext): Error;
}
