import { io, type Socket } from 'socket.io-client';

/** What a refused client receives: the `exception` event's payload, or `connect_error`'s `data`. */
export interface SocketRefusal {
  status: number;
  error: string;
  message: string;
  retryAfter?: number;
}

export interface ConnectOptions {
  auth?: Record<string, unknown>;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  transports?: Array<'polling' | 'websocket'>;
}

/**
 * Sockets opened by a suite, closed by `closeAll()`. Each connection is its own engine.io
 * client (`forceNew`) that never reconnects, so a refused handshake stays refused.
 */
export class SocketClients {
  private readonly sockets = new Set<Socket>();

  /** Resolves with the connected socket, or rejects with the `connect_error`. */
  connect(url: string, options: ConnectOptions = {}): Promise<Socket> {
    const socket = io(url, {
      forceNew: true,
      reconnection: false,
      timeout: 5_000,
      auth: options.auth,
      extraHeaders: options.headers,
      query: options.query,
      transports: options.transports,
    });
    this.sockets.add(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }

  /** The refusal a handshake ends with; fails the test if the connection is accepted. */
  async refusal(url: string, options: ConnectOptions = {}): Promise<SocketRefusal & { reason: string }> {
    try {
      await this.connect(url, options);
    } catch (error) {
      const { message, data } = error as Error & { data?: SocketRefusal };
      return { reason: message, ...(data as SocketRefusal) };
    }
    throw new Error('the handshake was accepted');
  }

  closeAll(): void {
    for (const socket of this.sockets) socket.close();
    this.sockets.clear();
  }
}

export type Reply = { ack: unknown } | { exception: SocketRefusal };

/**
 * Emits `event` and waits for whichever comes first: the handler's acknowledgement, or an
 * `exception` event (a refusal: the handler never ran, so no acknowledgement follows).
 */
export function ask(socket: Socket, event: string, data: unknown = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('exception', onException);
      reject(new Error(`no answer to ${event}`));
    }, 5_000);
    const onException = (exception: SocketRefusal) => {
      clearTimeout(timer);
      resolve({ exception });
    };
    socket.once('exception', onException);
    socket.emit(event, data, (ack: unknown) => {
      clearTimeout(timer);
      socket.off('exception', onException);
      resolve({ ack });
    });
  });
}
