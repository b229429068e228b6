import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { COGNITO_JWT_STRATEGY } from './cognito-auth.constants.js';
import { CognitoTokenVerifier } from './cognito-token.verifier.js';
import { passportContext, setPassportResponseHeaders } from './contexts/passport.context.js';
import { toHttpException } from './errors/to-http-exception.js';
import { authenticatorOf } from './pipeline/authenticator-registry.js';
import type { CognitoAuthenticator } from './pipeline/cognito-authenticator.js';

/**
 * Passport keeps one strategy per name for the whole process, so with two Nest apps in one
 * process the last one registered would verify both apps' requests. Each app's pipeline is
 * remembered by its HTTP server, which every request knows through its socket.
 */
const authenticatorsByServer = new WeakMap<object, CognitoAuthenticator>();

/**
 * The Passport strategy `cognito-jwt` (passport-jwt), registered on Passport like any other:
 * `AuthGuard('cognito-jwt')` from `@nestjs/passport` works, alone or with your own strategies
 * (`AuthGuard(['cognito-jwt', 'api-key'])`). It signs in through the module's pipeline, like
 * the guard, so it gives the guard's answers: a request without a token fails (another
 * strategy may admit it; alone, 401 with `WWW-Authenticate: Bearer`), and a token that was
 * sent and refused is an error with the guard's status, challenge and `Retry-After` (401, 400,
 * 403 from a custom check, 503), which no other strategy can make up for.
 */
@Injectable()
export class CognitoJwtStrategy extends Strategy implements OnModuleInit {
  private readonly authenticator: CognitoAuthenticator;

  constructor(
    verifier: CognitoTokenVerifier,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // passport-jwt requires a token source, a key and a verify callback; `authenticate` below uses none.
    super({ jwtFromRequest: () => null, secretOrKey: 'unused' }, () => undefined);
    this.name = COGNITO_JWT_STRATEGY;
    this.authenticator = authenticatorOf(verifier);
    passport.use(COGNITO_JWT_STRATEGY, this);
  }

  onModuleInit(): void {
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.();
    if (server) authenticatorsByServer.set(server, this.authenticator);
  }

  /** Passport's entry point: `success(principal)`, `fail(challenge, 401)` or `error(refusal)`. */
  override authenticate(request: any): void {
    const server: object | undefined = (request.socket ?? request.raw?.socket)?.server;
    const authenticator = (server && authenticatorsByServer.get(server)) || this.authenticator;
    authenticator.signIn(
      request,
      passportContext,
      (principal) => this.success(principal),
      (error) => this.refuse(authenticator, request, error),
    );
  }

  private refuse(authenticator: CognitoAuthenticator, request: any, error: unknown): void {
    const answer = authenticator.answer(error);
    setPassportResponseHeaders(request, answer.headers);
    // `unauthorized`: no token was sent, a credential another strategy may supply.
    if (answer.code === 'unauthorized') return this.fail(answer.headers['WWW-Authenticate'], answer.status);
    this.error(toHttpException(error));
  }
}
