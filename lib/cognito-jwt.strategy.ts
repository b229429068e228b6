import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { COGNITO_JWT_STRATEGY } from './cognito-auth.constants.js';
import { CognitoTokenVerifier } from './cognito-token.verifier.js';
import { setResponseHeaders } from './contexts/http.context.js';
import { passportContext } from './contexts/passport.context.js';
import { MissingTokenError } from './errors/cognito-auth.errors.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { toHttpException } from './errors/to-http-exception.js';
import { authenticatorOf } from './pipeline/authenticator-registry.js';
import type { CognitoAuthenticator } from './pipeline/cognito-authenticator.js';
import { extractBearerTokenOrNull } from './token/bearer-token.js';

/**
 * Passport keeps one strategy per name for the whole process, so with two Nest apps in one
 * process the last one registered would verify both apps' requests. Each app's pipeline is
 * remembered by its HTTP server, which every request knows through its socket.
 */
const authenticatorsByServer = new WeakMap<object, CognitoAuthenticator>();

/**
 * The Passport strategy `cognito-jwt` (passport-jwt), registered on Passport like any other:
 * `AuthGuard('cognito-jwt')` from `@nestjs/passport` works, alone or with your own strategies
 * (`AuthGuard(['cognito-jwt', 'api-key'])`). It authenticates through the module's pipeline,
 * like the guard, so it gives the guard's answers: a request without a token fails (another
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
    // passport-jwt requires a key source; `authenticate` below never uses it.
    super(
      {
        jwtFromRequest: extractBearerTokenOrNull,
        secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: Error) => void) =>
          done(new Error('CognitoJwtStrategy verifies through the module')),
      } as ConstructorParameters<typeof Strategy>[0],
      () => undefined,
    );
    this.name = COGNITO_JWT_STRATEGY;
    this.authenticator = authenticatorOf(verifier);
    passport.use(COGNITO_JWT_STRATEGY, this);
  }

  onModuleInit(): void {
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.();
    if (server) authenticatorsByServer.set(server, this.authenticator);
  }

  /** Passport's entry point: `success(user)`, `fail(challenge, 401)` or `error(refusal)`. */
  override authenticate(request: any): void {
    const authenticator = authenticatorOfServer(request) ?? this.authenticator;
    const refuse = (error: unknown) => this.refuse(authenticator, request, error);
    const admit = (user: CognitoUser, principal: object) => {
      passportContext.placeUser(request, principal, user);
      this.success(principal);
    };
    try {
      const verdict = authenticator.authenticate(request, passportContext);
      if (verdict instanceof Promise) {
        verdict.then((user) => this.admitWithPrincipal(authenticator, user, admit, refuse), refuse);
      } else {
        this.admitWithPrincipal(authenticator, verdict, admit, refuse);
      }
    } catch (error) {
      refuse(error);
    }
  }

  private admitWithPrincipal(
    authenticator: CognitoAuthenticator,
    user: CognitoUser,
    admit: (user: CognitoUser, principal: object) => void,
    refuse: (error: unknown) => void,
  ): void {
    const principal = authenticator.principalOf(user);
    if (principal instanceof Promise) principal.then((made) => admit(user, made), refuse);
    else admit(user, principal);
  }

  private refuse(authenticator: CognitoAuthenticator, request: any, error: unknown): void {
    const answer = authenticator.answer(error);
    if (!(error instanceof MissingTokenError)) {
      setResponseHeaders(responseOf(request), answer.headers);
      return this.error(toHttpException(error));
    }
    setResponseHeaders(responseOf(request), answer.headers);
    this.fail(answer.headers['WWW-Authenticate'], answer.status);
  }
}

function authenticatorOfServer(request: any): CognitoAuthenticator | undefined {
  const server = (request.socket ?? request.raw?.socket)?.server;
  return server && authenticatorsByServer.get(server);
}

/** Express links the request to its response; Fastify's request does not, so its raw socket's current response is used. */
function responseOf(request: any): unknown {
  return request.res ?? request.raw?.socket?._httpMessage;
}
