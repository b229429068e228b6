import type { CognitoTokenVerifier } from './cognito-token.verifier.js';
import { authenticatorOf } from './pipeline/authenticator-registry.js';
import { type SocketLike, socketRequestOf } from './contexts/socket-request.js';
import {
  type CognitoSocketErrorData,
  toSocketErrorData,
  loadWebSocketSupport,
  websocketContext,
} from './contexts/websocket.context.js';

/** The error a refused socket.io client receives as `connect_error`: `err.data` says why. */
export interface CognitoHandshakeError extends Error {
  readonly data: CognitoSocketErrorData;
}

/**
 * A socket.io middleware that admits a connection only with a valid token, read as the guard
 * reads it (`auth.token`, the `Authorization` header, the configured cookie or custom
 * extractor), and puts the principal in `socket.data.user` (the Cognito user in
 * `socket.data.cognitoUser`). A refused client gets `connect_error` with `err.data` =
 * `{ status, error, message }` (401, 400, 403 from a custom check, or 503 with `retryAfter`
 * when no signing key can be had). Install it in the gateway:
 *
 * ```ts
 * afterInit(namespace: Namespace) {
 *   namespace.use(cognitoHandshake(this.verifier));
 * }
 * ```
 *
 * Messages are still checked by the guard, each against the clock and the deny-list: a token
 * that expires or is revoked during the connection stops being accepted.
 */
export function cognitoHandshake(
  verifier: CognitoTokenVerifier,
): (socket: SocketLike, next: (error?: Error) => void) => void {
  const authenticator = authenticatorOf(verifier);
  return (socket, next) => {
    const refuse = (error: unknown) => {
      const data = toSocketErrorData(authenticator.answer(error));
      next(Object.assign(new Error(data.message), { data }));
    };
    void loadWebSocketSupport().then(() =>
      authenticator.signIn(socketRequestOf(socket), websocketContext, () => next(), refuse),
    );
  };
}
