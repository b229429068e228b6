import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { isLoopbackHost } from '../loopback-host.js';

/**
 * How the JWKS endpoint answers (fault injection; an advanced feature for testing the
 * module's resilience):
 * - `'ok'`: 200 with the published key set as `{ "keys": [...] }`.
 * - `'error-500'`: 500 with a small JSON error body.
 * - `'garbage'`: 200, `Content-Type: application/json`, but a body that is not JSON.
 * - `'empty'`: 200 with `{ "keys": [] }` (the published keys are kept for a later `'ok'`).
 * - `'hang'`: never answers; the socket stays open until the client gives up or the kit closes.
 * - `'reset'`: the TCP connection is reset (RST) without any response.
 * - `{ delayMs }`: answers like `'ok'` after `delayMs` milliseconds (real timers, not fake ones).
 * - `{ status, body?, headers? }`: answers exactly this (e.g. a 404, a 503, `{"keys":"x"}`).
 */
export type JwksBehaviour =
  | 'ok'
  | 'error-500'
  | 'garbage'
  | 'empty'
  | 'hang'
  | 'reset'
  | { readonly delayMs: number }
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> };

const NAMED_BEHAVIOURS = new Set(['ok', 'error-500', 'garbage', 'empty', 'hang', 'reset']);

/** Throws a TypeError unless `behaviour` is a valid {@link JwksBehaviour}. */
export function assertJwksBehaviour(behaviour: JwksBehaviour): void {
  if (typeof behaviour === 'string' && NAMED_BEHAVIOURS.has(behaviour)) return;
  if (typeof behaviour === 'object' && behaviour !== null) {
    if ('delayMs' in behaviour && Number.isFinite(behaviour.delayMs) && behaviour.delayMs >= 0) return;
    if (
      'status' in behaviour &&
      Number.isInteger(behaviour.status) &&
      behaviour.status >= 100 &&
      behaviour.status <= 599
    )
      return;
  }
  throw new TypeError(`Unknown JWKS behaviour: ${JSON.stringify(behaviour)}`);
}

/** `http://host:port`, with brackets around an IPv6 address. */
function originOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** A loopback HTTP server that serves one JWKS path, counts requests, and injects faults. */
export class JwksTestServer {
  /** The JWKs served by `'ok'`. */
  keys: readonly object[] = [];
  /** Requests received on the JWKS path (any method, any behaviour). */
  requestCount = 0;
  private behaviour: JwksBehaviour = 'ok';
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly jwksPath: string,
    /** `http://host:port` */
    readonly origin: string,
  ) {
    server.on('connection', (socket) => this.track(socket));
    server.on('request', (req, res) => this.handle(req, res));
  }

  /** Listens on an ephemeral port of a loopback `host` and serves the JWKS at `jwksPath`. */
  static async start(host: string, jwksPath: string): Promise<JwksTestServer> {
    if (!isLoopbackHost(host)) throw new Error(`The JWKS test server only listens on loopback, not ${host}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('Unexpected server address');
    return new JwksTestServer(server, jwksPath, originOf(host, address.port));
  }

  /** The full URL of the JWKS path. */
  get jwksUri(): string {
    return `${this.origin}${this.jwksPath}`;
  }

  setBehaviour(behaviour: JwksBehaviour): void {
    assertJwksBehaviour(behaviour);
    this.behaviour = typeof behaviour === 'object' ? { ...behaviour } : behaviour;
  }

  /** Stops listening and destroys every open socket, hung ones included. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private track(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== this.jwksPath) return send(res, 404, '{"message":"Not Found"}');
    this.requestCount += 1;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, '{"message":"Method Not Allowed"}', { allow: 'GET, HEAD' });
    }
    this.answer(req, res, this.behaviour);
  }

  /** Answers per `behaviour`; a response Node refuses to write (e.g. a bad header) drops the connection. */
  private answer(req: IncomingMessage, res: ServerResponse, behaviour: JwksBehaviour): void {
    try {
      this.respond(req, res, behaviour);
    } catch {
      req.socket.destroy();
    }
  }

  private respond(req: IncomingMessage, res: ServerResponse, behaviour: JwksBehaviour): void {
    switch (behaviour) {
      case 'ok':
        return send(res, 200, JSON.stringify({ keys: this.keys }));
      case 'empty':
        return send(res, 200, '{"keys":[]}');
      case 'error-500':
        return send(res, 500, '{"message":"Internal Server Error"}');
      case 'garbage':
        return send(res, 200, '<html><body>Not JSON {"keys": [</body></html>');
      case 'hang':
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
    }
    if ('delayMs' in behaviour) return this.answerLater(req, res, behaviour.delayMs);
    send(res, behaviour.status, behaviour.body ?? '', { ...behaviour.headers });
  }

  private answerLater(req: IncomingMessage, res: ServerResponse, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) this.answer(req, res, 'ok');
    }, delayMs);
    this.timers.add(timer);
  }
}
