import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from './errors/cognito-auth.errors.js';
import { CognitoPrincipals } from './identity/cognito-principals.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { registerAuthenticator } from './pipeline/authenticator-registry.js';
import { CognitoAuthenticator } from './pipeline/cognito-authenticator.js';

/** A verified token's Cognito user and the app's own user made from it (`transformUser`). */
export interface CognitoAuthentication<TPrincipal extends object = CognitoUser> {
  readonly user: CognitoUser;
  readonly principal: TPrincipal;
}

/**
 * Verifies Cognito tokens for your own code (WebSockets, SSE, queues, microservices): the same
 * checks, cache, revocation and custom check as the guard, which goes through the same pipeline.
 * Turn a rejection into the guard's HTTP answer with `toHttpException(error)`.
 */
@Injectable()
export class CognitoTokenVerifier {
  constructor(
    private readonly authenticator: CognitoAuthenticator,
    private readonly principals: CognitoPrincipals,
  ) {
    registerAuthenticator(this, authenticator);
  }

  /**
   * Resolves to the user of a valid token. Rejects with a `CognitoAuthError` saying why not
   * (`InvalidTokenError`, `KeySetUnavailableError`, …), or with the `HttpException` a custom
   * check threw. It never calls `transformUser`.
   */
  verify(token: string): Promise<CognitoUser> {
    if (typeof token !== 'string') return Promise.reject(notAString());
    try {
      return Promise.resolve(this.authenticator.check(token, 'verifier'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `verify`, then the app's own user (`transformUser`, once per token, as the guard does):
   * resolves to `{ user, principal }` (the principal is the user without a transformer).
   */
  async authenticate<TPrincipal extends object = CognitoUser>(
    token: string,
  ): Promise<CognitoAuthentication<TPrincipal>> {
    if (typeof token !== 'string') throw notAString();
    return (await this.authenticator.verify(token, 'verifier', undefined)) as CognitoAuthentication<TPrincipal>;
  }

  /** Drops the principals made for every token of `sub` in this process: the next request makes a new one. */
  forgetUser(sub: string): void {
    this.principals.forgetUser(sub);
  }
}

/** What `verify` and `authenticate` answer a token that is not a string (from JavaScript callers). */
function notAString(): InvalidTokenError {
  return new InvalidTokenError('malformed', 'The token must be a string');
}
