import type { KeyObject } from 'node:crypto';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { VerifiedTokenCache } from './cache/verified-token.cache.js';
import { COGNITO_AUTH_CONFIG, COGNITO_JWT_STRATEGY } from './cognito-auth.constants.js';
import type { CognitoAuthConfig } from './cognito-auth.config.js';
import { InvalidTokenError, MissingTokenError } from './errors/cognito-auth.errors.js';
import { extractBearerTokenOrNull } from './http/bearer-token.js';
import type { CognitoJwtHeader, CognitoJwtPayload } from './interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { CognitoJwksService } from './jwks/cognito-jwks.service.js';
import { createCognitoUser } from './token/create-cognito-user.js';
import { inspectToken, type InspectedToken } from './token/inspect-token.js';
import { hasValidRs256Signature } from './token/verify-signature.js';

/** passport-jwt's key callback; the inspection is passed along for `authenticate` (passport-jwt ignores it). */
type KeyCallback = (error: Error | null, key?: KeyObject, inspected?: InspectedToken) => void;

const authenticators = new WeakMap<object, passport.Authenticator>();

/**
 * The passport-jwt strategy. The key provider runs every check that needs no key (cheapest
 * first) and picks the key from the token's own pool only; the RS256 signature is verified with
 * that key; `validate` builds the user, runs the custom check and caches the verified token.
 */
@Injectable()
export class CognitoJwtStrategy extends PassportStrategy(Strategy, COGNITO_JWT_STRATEGY) {
  constructor(
    @Inject(COGNITO_AUTH_CONFIG) protected readonly config: CognitoAuthConfig,
    protected readonly jwks: CognitoJwksService,
    protected readonly tokenCache: VerifiedTokenCache,
  ) {
    // Only what passport-jwt requires: `authenticate` below verifies without jsonwebtoken.
    super({
      jwtFromRequest: extractBearerTokenOrNull,
      secretOrKeyProvider: (_request: object, token: string, done: KeyCallback) => this.provideSigningKey(token, done),
    } as ConstructorParameters<typeof Strategy>[0]);
  }

  /**
   * passport-jwt's own flow (extract, key provider, verify, validate, then success / fail /
   * error) with one step made direct: passport-jwt verifies through jsonwebtoken, which decodes
   * the token again and repeats checks the key provider has just run. Here the key provider's
   * inspection is reused and the signature is one RS256 `crypto.verify`.
   */
  override authenticate(request: object): void {
    const token = extractBearerTokenOrNull(request);
    if (!token) return this.fail(new MissingTokenError(), 401);
    this.provideSigningKey(token, (keyError, key, inspected) => {
      if (keyError) return this.fail(keyError, 401);
      if (!hasValidRs256Signature(token, key!)) {
        return this.fail(new InvalidTokenError('invalid_signature', 'The token signature is invalid'), 401);
      }
      this.validate(token, inspected!).then(
        (user) => this.success(user),
        (error: unknown) => this.error(error as Error),
      );
    });
  }

  /** Builds the user of a verified token, runs the custom check, and caches the token. */
  async validate(token: string, inspected: InspectedToken): Promise<CognitoUser> {
    const { header, payload } = inspected;
    const user = createCognitoUser(payload, inspected.pool);
    await this.runCustomCheck(header, payload, user);
    this.tokenCache.set(token, {
      user,
      exp: payload.exp,
      nbf: payload.nbf,
      issuer: inspected.pool.issuer,
      kid: header.kid,
    });
    return user;
  }

  /**
   * @nestjs/passport registers strategies on passport's global instance, where two apps in one
   * process would overwrite each other's strategy. Each strategy gets its own Authenticator;
   * `CognitoAuthGuard` authenticates through it.
   */
  getPassportInstance(): passport.Authenticator {
    let authenticator = authenticators.get(this);
    if (!authenticator) {
      authenticator = new passport.Authenticator();
      authenticators.set(this, authenticator);
    }
    return authenticator;
  }

  /** Runs the checks that need no key, then finds the key in the token's own pool's key set. */
  protected provideSigningKey(token: string, done: KeyCallback): void {
    let inspected: InspectedToken;
    try {
      inspected = inspectToken(token, this.config, Date.now() / 1000);
    } catch (error) {
      return done(error as Error);
    }
    const { pool, header } = inspected;
    const cachedKey = this.jwks.peekSigningKey(pool, header.kid);
    if (cachedKey) return done(null, cachedKey, inspected);
    this.jwks.getSigningKey(pool, header.kid).then(
      (key) => done(null, key, inspected),
      (error: Error) => done(error),
    );
  }

  protected async runCustomCheck(header: CognitoJwtHeader, payload: CognitoJwtPayload, user: CognitoUser) {
    if (!this.config.customCheck) return;
    try {
      await this.config.customCheck({ header, payload, user });
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof HttpException) throw error;
      throw new InvalidTokenError('custom_check', 'The token was refused by a custom check');
    }
  }
}
