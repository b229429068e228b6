import { HttpException } from '@nestjs/common';
import { type FailureAnswer, httpErrorBody, toAnswer } from './failure-answer.js';

/**
 * The guard's answer to a refusal as an `HttpException`: status and body as Nest renders any
 * `HttpException`, plus the headers of the answer (`WWW-Authenticate`, `Retry-After`,
 * https://www.rfc-editor.org/rfc/rfc6750#section-3), which the module's exception filter
 * sends with it. `getHeaders()` gives them to an exception filter of your own.
 */
export class CognitoHttpException extends HttpException {
  /** The headers of the answer, as the guard sends them. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    /** The whole answer (status, code, message, headers), for transports other than HTTP. */
    readonly answer: FailureAnswer,
    options?: { cause?: unknown },
  ) {
    super(httpErrorBody(answer), answer.status, options);
    this.headers = answer.headers;
  }

  getHeaders(): Readonly<Record<string, string>> {
    return this.headers;
  }
}

/**
 * Turns a rejection of `CognitoTokenVerifier.verify()` (or any error of the module) into the
 * answer the guard gives for it: 401 with its `WWW-Authenticate` challenge, 400, 403, or 503
 * with `Retry-After`. An `HttpException` (thrown by your `customCheck`) is returned as it is;
 * anything else is answered like the guard answers it (401 `invalid_token`), never with its
 * message.
 *
 * @example
 * try {
 *   return await this.verifier.verify(token);
 * } catch (error) {
 *   throw toHttpException(error);
 * }
 */
export function toHttpException(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  return new CognitoHttpException(toAnswer(error), { cause: error });
}
