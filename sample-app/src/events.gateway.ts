import { type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CognitoTokenVerifier, cognitoHandshake, CurrentUser, Groups } from 'nestjs-cognito-auth';
import type { Namespace } from 'socket.io';

/**
 * socket.io on the HTTP server's port, namespace `/events`. A connection without a valid
 * token is refused at the handshake (`connect_error`, `err.data.status` 401); each message
 * then goes through the global guard like an HTTP request, against the clock.
 */
@WebSocketGateway({ namespace: '/events' })
export class EventsGateway implements OnGatewayInit {
  constructor(private readonly verifier: CognitoTokenVerifier) {}

  afterInit(namespace: Namespace): void {
    namespace.use(cognitoHandshake(this.verifier));
  }

  @SubscribeMessage('whoami')
  whoami(@CurrentUser('sub') sub: string) {
    return { sub };
  }

  @Groups('admin')
  @SubscribeMessage('admin')
  admin() {
    return { ok: true };
  }
}
