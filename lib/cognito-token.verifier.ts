import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from './errors/cognito-auth.errors.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { registerAuthenticator } from './pipeline/authenticator-registry.js';
import { CognitoAuthenticator } from './pipeline/cognito-authenticator.js';
import { TokenChecker } from './verification/token-checker.js';

/**
 * Verifies Cognito tokens for your own code (WebSockets, SSE, queues, microservices): the same
 * checks, cache, revocation and custom check as the guard, which goes through the same checker.
 * Turn a rejection into the guard's HTTP answer with `toHttpException(error)`.
 */
@Injectable()
export class CognitoTokenVerifier {
  constructor(
    private readonly checker: TokenChecker,
    authenticator: CognitoAuthenticator,
  ) {
    registerAuthenticator(this, authenticator);
  }

  /**
   * Resolves to the user of a valid token. Rejects with a `CognitoAuthError` saying why not
   * (`InvalidTokenError`, `KeySetUnavailableError`, …), or with the `HttpException` a custom check threw.
   */
  verify(token: string): Promise<CognitoUser> {
    if (typeof token !== 'string') {
      return Promise.reject(new InvalidTokenError('malformed', 'The token must be a string'));
    }
    try {
      return Promise.resolve(this.checker.check(token));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
