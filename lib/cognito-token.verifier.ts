import type { KeyObject } from 'node:crypto';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import { VerifiedTokenCache, type VerifiedToken } from './cache/verified-token.cache.js';
import { COGNITO_AUTH_CONFIG } from './cognito-auth.constants.js';
import type { CognitoAuthConfig } from './cognito-auth.config.js';
import { InvalidTokenError } from './errors/cognito-auth.errors.js';
import type { CognitoJwtHeader } from './interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { CognitoJwksService } from './jwks/cognito-jwks.service.js';
import { CognitoRevocationService } from './revocation/cognito-revocation.service.js';
import { createCognitoUser } from './token/create-cognito-user.js';
import { inspectToken, type InspectedToken } from './token/inspect-token.js';
import { assertValidSignature } from './token/verify-signature.js';

/**
 * Verifies Cognito tokens: every caller (the guard, the Passport strategy, WebSocket
 * handshakes, your own code) goes through it, so they all get the same checks, cache and
 * custom check.
 *
 * A token seen before is found in the verified-token cache, which skips its parse and
 * signature check only: the clock, the key, and the custom check run on every call.
 */
@Injectable()
export class CognitoTokenVerifier {
  constructor(
    /** The validated module options; the guard and `cognitoHandshake` read the token sources here. */
    @Inject(COGNITO_AUTH_CONFIG) readonly config: CognitoAuthConfig,
    private readonly jwks: CognitoJwksService,
    private readonly cache: VerifiedTokenCache,
    private readonly revocations: CognitoRevocationService,
  ) {}

  /**
   * Resolves to the user of a valid token. Rejects with a `CognitoAuthError` saying why not
   * (`InvalidTokenError`, `KeySetUnavailableError`), or with the `HttpException` a custom check threw.
   */
  verify(token: string): Promise<CognitoUser> {
    if (typeof token !== 'string') {
      return Promise.reject(new InvalidTokenError('malformed', 'The token must be a string'));
    }
    try {
      return Promise.resolve(this.verifyNow(token));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `verify` without a promise when none is needed: a cached token, or one whose key is at
   * hand, with a synchronous (or no) custom check. Throws instead of rejecting.
   */
  verifyNow(token: string): CognitoUser | Promise<CognitoUser> {
    const nowSeconds = Date.now() / 1000;
    const verified = this.cache.get(token);
    if (verified !== undefined && this.isStillValid(verified, nowSeconds)) {
      return this.admit(verified.header, verified.user);
    }
    const inspected = inspectToken(token, this.config, nowSeconds);
    const { pool, header } = inspected;
    const key = this.jwks.peekSigningKey(pool, header.kid);
    if (key) return this.verifySignature(token, inspected, key);
    return this.jwks.getSigningKey(pool, header.kid).then((fetched) => this.verifySignature(token, inspected, fetched));
  }

  /** A cached token is reused while it is within exp/nbf and its key is still the published one. */
  private isStillValid(verified: VerifiedToken, nowSeconds: number): boolean {
    const tolerance = this.config.clockToleranceSeconds;
    const valid =
      nowSeconds < verified.exp + tolerance &&
      (verified.nbf === undefined || nowSeconds + tolerance >= verified.nbf) &&
      this.jwks.isCurrentKey(verified.issuer, verified.kid, verified.key);
    if (!valid) this.cache.delete(verified.token);
    return valid;
  }

  private verifySignature(
    token: string,
    inspected: InspectedToken,
    key: KeyObject,
  ): CognitoUser | Promise<CognitoUser> {
    assertValidSignature(token, inspected, key);
    const { header, payload, pool, clientId } = inspected;
    const user = createCognitoUser(payload, pool, clientId);
    const remember = (admitted: CognitoUser): CognitoUser => {
      // A check that finished after the key was dropped or replaced must not revive the token.
      if (this.jwks.isCurrentKey(pool.issuer, header.kid, key)) {
        this.cache.set(token, user, header, key);
      }
      return admitted;
    };
    const admitted = this.admit(header, user);
    return admitted instanceof Promise ? admitted.then(remember) : remember(admitted);
  }

  /** The checks that run on every call, cache hit or not: the deny-list, then the custom check. */
  private admit(header: CognitoJwtHeader, user: CognitoUser): CognitoUser | Promise<CognitoUser> {
    this.revocations.assertNotRevoked(user.claims);
    const customCheck = this.config.customCheck;
    if (!customCheck) return user;
    let outcome: void | Promise<void>;
    try {
      outcome = customCheck({ header, payload: user.claims, user });
    } catch (error) {
      throw toCustomCheckFailure(error);
    }
    if (!isThenable(outcome)) return user;
    return Promise.resolve(outcome).then(
      () => user,
      (error: unknown) => {
        throw toCustomCheckFailure(error);
      },
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/** A custom check's own `InvalidTokenError` or `HttpException` is kept; anything else is a generic refusal. */
function toCustomCheckFailure(error: unknown): unknown {
  if (error instanceof InvalidTokenError || error instanceof HttpException) return error;
  return new InvalidTokenError('custom_check', 'The token was refused by a custom check');
}
