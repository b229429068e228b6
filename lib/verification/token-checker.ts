import type { KeyObject } from 'node:crypto';
import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { VerifiedTokenCache, type VerifiedToken } from '../cache/verified-token.cache.js';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CallbackUnavailableError, InvalidTokenError } from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { withTimeout } from '../errors/with-timeout.js';
import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { CognitoJwksService } from '../jwks/cognito-jwks.service.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';
import { createCognitoUser } from '../token/create-cognito-user.js';
import { UserPoolDirectory } from '../pools/user-pool-directory.js';
import { checkAgainstPool, readToken, type InspectedToken } from '../token/inspect-token.js';
import { assertValidSignature } from '../token/verify-signature.js';

/** What an observed check reports besides its verdict (filled in only when someone watches). */
export interface CheckObservation {
  cacheHit: boolean;
}

const EMPTY_HEADER: CognitoJwtHeader = Object.freeze({ alg: 'RS256', kid: '' });

/**
 * The checks every token goes through, whoever asks (the authentication pipeline, the public
 * verifier, the Lambda authorizer): cache → structure and claims → key → signature → user →
 * revocation → custom check. Internal: the public surface is `CognitoTokenVerifier`.
 *
 * A token seen before is found in the verified-token cache, which skips its parse and
 * signature check only: the clock, the key, the deny-list and the custom check run on every call.
 * The result is a promise only when something had to be waited for (a key download, an
 * asynchronous custom check), so a cached token costs no promise.
 */
@Injectable()
export class TokenChecker {
  private readonly logger = new Logger('CognitoAuth');
  /** The header of each user's token, for the user transformer (a cached token keeps its user object). */
  private readonly headers = new WeakMap<CognitoUser, CognitoJwtHeader>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly jwks: CognitoJwksService,
    private readonly cache: VerifiedTokenCache,
    private readonly revocations: CognitoRevocationService,
    private readonly pools: UserPoolDirectory,
  ) {}

  /** The user of a valid token; throws (or rejects with) the reason it is not valid. */
  check(token: string, observation?: CheckObservation): CognitoUser | Promise<CognitoUser> {
    const nowSeconds = Date.now() / 1000;
    const verified = this.cache.get(token);
    if (verified !== undefined && this.isStillValid(verified, nowSeconds)) {
      if (observation) observation.cacheHit = true;
      return this.admit(verified.header, verified.user);
    }
    const read = readToken(token, this.config, nowSeconds);
    // The pool is at hand when it is configured or its resolver answer is cached; else it is awaited.
    const pool = this.pools.poolOf(read.payload.iss);
    if (pool instanceof Promise) return pool.then((found) => this.checkWithKey(token, checkAgainstPool(read, found)));
    return this.checkWithKey(token, checkAgainstPool(read, pool));
  }

  /** The key of the token's own pool, at hand or once downloaded, then the signature. */
  private checkWithKey(token: string, inspected: InspectedToken): CognitoUser | Promise<CognitoUser> {
    const { pool, header } = inspected;
    const key = this.jwks.peekSigningKey(pool, header.kid);
    if (key) return this.verifySignature(token, inspected, key);
    return this.jwks.getSigningKey(pool, header.kid).then((fetched) => this.verifySignature(token, inspected, fetched));
  }

  /** The verified header of the token a user came from. */
  headerOf(user: CognitoUser): CognitoJwtHeader {
    return this.headers.get(user) ?? EMPTY_HEADER;
  }

  /**
   * A cached token is reused while its key is still the published one, it is within exp/nbf
   * (the same time-window rule as a new token's, `clockTolerance` on both sides), and its
   * pool's answer from the app's resolver, if it has one, has not expired.
   */
  private isStillValid(verified: VerifiedToken, nowSeconds: number): boolean {
    const tolerance = this.config.clockToleranceSeconds;
    const valid =
      nowSeconds < verified.exp + tolerance &&
      (verified.nbf === undefined || nowSeconds + tolerance >= verified.nbf) &&
      this.jwks.isCurrentKey(verified.issuer, verified.kid, verified.key) &&
      this.pools.isLive(verified.issuer, nowSeconds * 1000);
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
    this.headers.set(user, header);
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
      throw this.toCustomCheckFailure(error);
    }
    if (!isThenable(outcome)) return user;
    const bounded = withTimeout(outcome, this.config.callbackTimeoutMs, () => this.customCheckTimedOut());
    return bounded.then(
      () => user,
      (error: unknown) => {
        throw this.toCustomCheckFailure(error);
      },
    );
  }

  private customCheckTimedOut(): CallbackUnavailableError {
    logOnce(
      this.logger,
      'customCheck:timeout',
      `customCheck did not answer within ${this.config.callbackTimeoutMs} ms; answering 503`,
    );
    return new CallbackUnavailableError('customCheck');
  }

  /** A custom check's own `InvalidTokenError`, `HttpException` or timeout is kept; anything else is a generic refusal. */
  private toCustomCheckFailure(error: unknown): unknown {
    if (
      error instanceof InvalidTokenError ||
      error instanceof HttpException ||
      error instanceof CallbackUnavailableError
    ) {
      return error;
    }
    return new InvalidTokenError('custom_check', 'The token was refused by a custom check');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
