import { Logger } from '@nestjs/common';
import type { CognitoTokenVerifier } from '../cognito-token.verifier.js';
import { MissingTokenError } from '../errors/cognito-auth.errors.js';
import { isExpectedFailure, toAnswer } from '../errors/failure-answer.js';
import { extractToken } from '../token/token-sources.js';
import { type SocketLike, socketRequestOf } from './socket-request.js';
import { type CognitoSocketErrorData, toSocketErrorData, webSocketSupport } from './websocket.context.js';

/** The error a refused socket.io client receives as `connect_error`: `err.data` says why. */
export interface CognitoHandshakeError extends Error {
  readonly data: CognitoSocketErrorData;
}

const logger = new Logger('CognitoAuth');

/**
 * A socket.io middleware that admits a connection only with a valid token, read as the guard
 * reads it (`auth.token`, the `Authorization` header, the configured cookie or custom
 * extractor), and puts the user in `socket.data.user`. A refused client gets `connect_error`
 * with `err.data` = `{ status, error, message }` (401, 400, 403 from a custom check, or 503
 * with `retryAfter` when no signing key can be had). Install it in the gateway:
 *
 * ```ts
 * afterInit(namespace: Namespace) {
 *   namespace.use(cognitoHandshake(this.verifier));
 * }
 * ```
 *
 * Messages are still checked by the guard, each against the clock: a token that expires
 * during the connection stops being accepted.
 */
export function cognitoHandshake(
  verifier: CognitoTokenVerifier,
): (socket: SocketLike, next: (error?: Error) => void) => void {
  return (socket, next) => {
    const request = socketRequestOf(socket);
    const refuse = (error: unknown) => next(toHandshakeError(error));
    webSocketSupport
      .then(() => {
        const token = extractToken(request, verifier.config);
        if (token === null) throw new MissingTokenError();
        return verifier.verify(token);
      })
      .then((user) => {
        request.user = user;
        next();
      }, refuse);
  };
}

function toHandshakeError(error: unknown): CognitoHandshakeError {
  const data = toSocketErrorData(toAnswer(error));
  if (!isExpectedFailure(error)) {
    logger.error(`Unexpected ${(error as Error)?.name ?? 'error'} during a WebSocket handshake; answering 401`);
  }
  return Object.assign(new Error(data.message), { data });
}
