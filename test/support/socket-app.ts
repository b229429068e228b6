/** socket.io gateways that several suites serve. */
import { Inject } from '@nestjs/common';
import { type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CognitoTokenVerifier, cognitoHandshake, CurrentUser } from 'nestjs-cognito-auth';
import type { Namespace } from 'socket.io';

/**
 * A gateway on `namespace` whose handshake admits only a valid token (`cognitoHandshake`), as
 * the README shows it; its `whoami` message answers `{ sub }`.
 */
export function checkedGateway(namespace: string) {
  @WebSocketGateway({ namespace })
  class CheckedGateway implements OnGatewayInit {
    constructor(@Inject(CognitoTokenVerifier) readonly verifier: CognitoTokenVerifier) {}

    afterInit(server: Namespace) {
      server.use(cognitoHandshake(this.verifier));
    }

    @SubscribeMessage('whoami')
    whoami(@CurrentUser('sub') sub: string) {
      return { sub };
    }
  }
  return CheckedGateway;
}

/** The handshake-checked gateway of the hardening suites. */
export const CheckedGateway = checkedGateway('/checked');

/** No handshake check: anonymous clients connect, and each message is judged on its own. */
@WebSocketGateway({ namespace: '/open' })
export class OpenGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}
