import type { ExecutionContext } from '@nestjs/common';
import type { FailureAnswer } from '../errors/failure-answer.js';
import { tokenFromRequest } from '../token/token-sources.js';
import type { ContextAdapter } from './context-adapter.interface.js';
import { type CognitoSocketRequest, socketRequestOf } from './socket-request.js';

/** What a refused WebSocket client receives: in the `exception` event, or as `connect_error`'s `data`. */
export interface CognitoSocketErrorData {
  /** The HTTP status the refusal would have over HTTP: 400, 401, 403 or 503. */
  readonly status: number;
  /** `unauthorized`, `invalid_token`, `invalid_request`, `forbidden`, `insufficient_scope` or `unavailable`. */
  readonly error: string;
  readonly message: string;
  /** Seconds to wait before retrying, when the key set is unavailable. */
  readonly retryAfter?: number;
}

type WsExceptionClass = new (error: object) => Error;

/**
 * Nest's WebSocket exception filter sends the payload of a `WsException` to the client and
 * answers anything else "Internal server error", by `instanceof`: a refusal has to be an
 * instance of the app's own `WsException` class. `@nestjs/websockets` is an optional peer, so
 * it is imported here without being required, and only by an app that has gateways (the module
 * loads it while the app starts, before any message) or installs `cognitoHandshake`: an app
 * without them never loads it. When it is missing, no gateway exists and this adapter never runs.
 */
let WsException: WsExceptionClass | undefined;
let webSocketSupport: Promise<void> | undefined;

/** Loads `WsException`, once; resolves, never rejects, when `@nestjs/websockets` is missing. */
export function loadWebSocketSupport(): Promise<void> {
  return (webSocketSupport ??= import('@nestjs/websockets').then(
    (module) => {
      WsException = module.WsException as unknown as WsExceptionClass;
    },
    () => undefined,
  ));
}

/** The refusal's payload: the status and RFC 6750 code, never the token. */
export function toSocketErrorData(failure: FailureAnswer): CognitoSocketErrorData {
  return {
    status: failure.status,
    error: failure.code,
    message: failure.message,
    ...(failure.retryAfterSeconds === undefined ? {} : { retryAfter: failure.retryAfterSeconds }),
  };
}

/** The refusal when `WsException` could not be loaded: same payload, still never a pass. */
export class CognitoSocketError extends Error {
  override readonly name = 'CognitoSocketError';
  constructor(readonly data: CognitoSocketErrorData) {
    super(data.message);
  }
  getError(): CognitoSocketErrorData {
    return this.data;
  }
}

/**
 * WebSocket gateways: the message's client (first handler argument) stands for the request;
 * its handshake carries the credentials and `client.data.user` receives the user.
 */
export const websocketContext: ContextAdapter = {
  transport: 'ws',
  getRequest: (context: ExecutionContext) => socketRequestOf(context.getArgByIndex(0)),
  findToken: (request: CognitoSocketRequest, tokenCookie) => tokenFromRequest(request, { cookie: tokenCookie }),
  placeUser(request: CognitoSocketRequest, principal, user) {
    request.user = principal;
    request.cognitoUser = user;
  },
  refuse(failure: FailureAnswer): Error {
    const data = toSocketErrorData(failure);
    return WsException ? new WsException(data) : new CognitoSocketError(data);
  },
};
