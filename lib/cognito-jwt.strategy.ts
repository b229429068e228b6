import { Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { COGNITO_JWT_STRATEGY } from './cognito-auth.constants.js';
import { CognitoTokenVerifier } from './cognito-token.verifier.js';
import { MissingTokenError } from './errors/cognito-auth.errors.js';
import { toFailureAnswer } from './errors/failure-answer.js';
import { extractBearerTokenOrNull, type RequestLike } from './token/bearer-token.js';
import { extractToken } from './token/token-sources.js';

/**
 * Passport keeps one strategy per name for the whole process, so with two Nest apps in one
 * process the last one registered would verify both apps' requests. Each app's verifier is
 * remembered by its HTTP server, which every request knows through its socket.
 */
const verifiersByServer = new WeakMap<object, CognitoTokenVerifier>();

/**
 * The Passport strategy `cognito-jwt` (passport-jwt), registered on Passport like any other:
 * `AuthGuard('cognito-jwt')` from `@nestjs/passport` works, alone or with your own strategies
 * (`AuthGuard(['cognito-jwt', 'api-key'])`). It verifies through `CognitoTokenVerifier`, like
 * the module's own guard, which calls the verifier directly.
 */
@Injectable()
export class CognitoJwtStrategy
  extends PassportStrategy(Strategy, COGNITO_JWT_STRATEGY)
  implements OnApplicationBootstrap
{
  constructor(
    private readonly verifier: CognitoTokenVerifier,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // passport-jwt requires a key source; `authenticate` below never uses it.
    super({
      jwtFromRequest: extractBearerTokenOrNull,
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: Error) => void) =>
        done(new Error('CognitoJwtStrategy verifies through CognitoTokenVerifier')),
    } as ConstructorParameters<typeof Strategy>[0]);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.();
    if (server) verifiersByServer.set(server, this.verifier);
  }

  /**
   * Passport's entry point: `success(user)`, `fail(reason, status)` or, when no key can be had
   * or the deny-list may be stale, `error`.
   */
  override authenticate(request: any): void {
    const verifier = verifierOf(request, this.verifier);
    let token: string | null;
    try {
      token = extractToken(request, verifier.config);
    } catch (error) {
      return this.fail(error, 400);
    }
    if (token === null) return this.fail(new MissingTokenError(), 401);
    verifier.verify(token).then(
      (user) => this.success(user),
      // What the module answers 503 (no signing key, a deny-list that may be stale) is an error
      // for Passport, never a failed credential another strategy could make up for.
      (error: unknown) => (toFailureAnswer(error).status === 503 ? this.error(error as Error) : this.fail(error, 401)),
    );
  }

  /** Required by `PassportStrategy`; `authenticate` above does the work. */
  validate(user: unknown): unknown {
    return user;
  }
}

function verifierOf(request: RequestLike, fallback: CognitoTokenVerifier): CognitoTokenVerifier {
  const server = (request.socket ?? request.raw?.socket)?.server;
  return (server && verifiersByServer.get(server)) || fallback;
}
