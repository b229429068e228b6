import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CognitoGraphQLError } from './contexts/graphql.context.js';
import { toSocketErrorData } from './contexts/websocket.context.js';
import { CognitoAuthError } from './errors/cognito-auth.errors.js';
import { type FailureAnswer, httpErrorBody, toFailureAnswer } from './errors/failure-answer.js';
import { CognitoHttpException } from './errors/to-http-exception.js';

/**
 * Answers the module's errors thrown by the app's own code as the guard answers them: a
 * `RevocationUnavailableError` from `revoke()` is a 503 with `Retry-After`, a rejection of a
 * `verify()` the app called itself a 401 with `WWW-Authenticate`, with no mapping code in the
 * app's controllers. Without it Nest's default filter would answer 500 for any of them.
 *
 * Registered by the module as a global filter. The app's own filters for these errors, on a
 * route or a controller, still win.
 */
@Catch(CognitoAuthError, CognitoHttpException)
@Injectable()
export class CognitoAuthExceptionFilter implements ExceptionFilter<CognitoAuthError | CognitoHttpException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: CognitoAuthError | CognitoHttpException, host: ArgumentsHost): unknown {
    // toHttpException(error) carries the answer, headers included, which Nest's own filter would not send.
    const answer = error instanceof CognitoHttpException ? error.answer : toFailureAnswer(error);
    switch (host.getType<string>()) {
      case 'http':
        return this.reply(answer, host.getArgByIndex(1));
      case 'graphql':
        throw new CognitoGraphQLError(answer);
      case 'ws':
        // The payload Nest's WebSocket filter sends for a refusal of the guard.
        host
          .switchToWs()
          .getClient<{ emit(event: string, data: unknown): void }>()
          .emit('exception', toSocketErrorData(answer));
        return undefined;
      default:
        // Microservices: nothing returned, so Nest's own RPC handler answers as it would without this filter.
        return undefined;
    }
  }

  /** Status, `WWW-Authenticate` / `Retry-After`, and Nest's usual error body, on Express and Fastify alike. */
  private reply(answer: FailureAnswer, response: unknown): void {
    const { httpAdapter } = this.adapterHost;
    if (httpAdapter.isHeadersSent(response)) return void httpAdapter.end(response);
    for (const [name, value] of Object.entries(answer.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, httpErrorBody(answer), answer.status);
  }
}
