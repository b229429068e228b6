import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/** What this library reads of a socket.io socket (or of any WebSocket client object). */
export interface SocketLike {
  handshake?: {
    headers?: Record<string, string | string[] | undefined>;
    auth?: Record<string, unknown>;
  };
  /** socket.io's per-connection storage for the application. */
  data?: any;
  /** The HTTP request that opened the connection (socket.io keeps it). */
  request?: { rawHeaders?: string[]; socket?: object };
}

/**
 * The "request" of a WebSocket message or handshake: the credentials of the connection's
 * handshake (`auth`, headers), and the user, kept in `client.data.user`, where socket.io keeps
 * per-connection data, so gateways read it in `handleConnection` as well as through
 * `@CurrentUser()`. One instance per connection; custom token extractors receive it.
 */
export class CognitoSocketRequest {
  constructor(readonly client: SocketLike) {}

  /** The handshake's headers (`authorization`, `cookie`, …). */
  get headers(): Record<string, string | string[] | undefined> {
    return this.client.handshake?.headers ?? {};
  }

  /** What the client passed as `io(url, { auth })`. */
  get auth(): Record<string, unknown> | undefined {
    return this.client.handshake?.auth;
  }

  /**
   * A token given outside the headers: socket.io's `auth.token` (with or without `Bearer `).
   * The built-in token sources read it before the headers.
   */
  get credentialsToken(): unknown {
    return this.auth?.token;
  }

  /** Every header line of the opening request: two `Authorization` headers are refused, not folded. */
  get rawHeaders(): string[] | undefined {
    return this.client.request?.rawHeaders;
  }

  /** The opening request's TCP socket: its server's header limit tells whether a header may have been dropped. */
  get socket(): { server?: { maxHeadersCount?: number | null } } | undefined {
    return this.client.request?.socket as { server?: { maxHeadersCount?: number | null } } | undefined;
  }

  /** The principal (`client.data.user`): the app's own user with `transformUser`, else the Cognito user. */
  get user(): any {
    return this.client.data?.user ?? null;
  }

  set user(user: object | null) {
    this.data.user = user;
  }

  /** The verified Cognito user (`client.data.cognitoUser`). */
  get cognitoUser(): CognitoUser | null {
    return this.client.data?.cognitoUser ?? null;
  }

  set cognitoUser(user: CognitoUser | null) {
    this.data.cognitoUser = user;
  }

  private get data(): Record<string, unknown> {
    if (this.client.data === undefined || this.client.data === null) this.client.data = {};
    return this.client.data;
  }
}

const socketRequests = new WeakMap<object, CognitoSocketRequest>();

/** The one `CognitoSocketRequest` of a client, so the guard and `@CurrentUser()` share it. */
export function socketRequestOf(client: SocketLike): CognitoSocketRequest {
  if (typeof client !== 'object' || client === null) return new CognitoSocketRequest({});
  let request = socketRequests.get(client);
  if (!request) socketRequests.set(client, (request = new CognitoSocketRequest(client)));
  return request;
}
