import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { isAllowedOrigin } from './allowed-origins.js';

/**
 * socket.io with an origin list: a browser page may open a connection (and send the token
 * cookie with it) only from the app's own origin or one in ALLOWED_ORIGINS, over long-polling
 * (CORS) and WebSocket (which CORS does not cover: the handshake's `Origin` is checked).
 * Clients that are not browsers send no `Origin` and are not at risk of cross-site use.
 */
export class OriginCheckedIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const checked: Partial<ServerOptions> = {
      ...options,
      cors: { origin: [...this.allowedOrigins], credentials: true },
      allowRequest: (request, answer) => {
        const { origin, host } = request.headers;
        answer(null, origin === undefined || isAllowedOrigin(origin, host, this.allowedOrigins));
      },
    };
    return super.createIOServer(port, checked as ServerOptions);
  }
}
