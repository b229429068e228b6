import { type CanActivate, type ExecutionContext, HttpException, Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { COGNITO_AUTH_CONFIG } from './cognito-auth.constants.js';
import type { CognitoAuthConfig } from './cognito-auth.config.js';
import { CognitoTokenVerifier } from './cognito-token.verifier.js';
import { contextAdapterOf, placeUsers } from './contexts/execution-context.js';
import { MissingTokenError } from './errors/cognito-auth.errors.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { type Admitted, CognitoAuthenticator, type Verdict } from './pipeline/cognito-authenticator.js';
import { APP_BINDING } from './pipeline/app-binding.js';
import { authenticatorOf } from './pipeline/authenticator-registry.js';
import { RouteAuthorizer } from './pipeline/route-authorizer.js';
import { type RoutePolicy, RoutePolicyReader } from './policies/route-policy.js';

/** Contexts whose own exception handling answers an `HttpException` with its status. */
const RENDERS_HTTP_EXCEPTIONS = new Set(['http', 'rpc']);

/**
 * The fallback policy: every route needs a valid Cognito token unless it is `@Public()`. On a
 * public route a valid token still populates the user (optional authentication). The route's
 * rules (`@Groups()`, `@Scopes()`, `@Policy()`, …, or else the `fallbackPolicy` option) are
 * checked once the user is known. Finding and checking the token is the authentication
 * pipeline's (`CognitoAuthenticator`); the context adapters know where tokens and users live.
 *
 * Extension points (see "Customising the guard" in the README); each runs on every request,
 * whether the token was in the verified-token cache or not:
 * - `getRequest(context)`: the object that carries the credentials and receives `user`;
 * - `getToken(request, context)`: the token, or null when there is none;
 * - `handleRequest(error, user, context)`: the verdict; return the user to admit, throw to refuse;
 * - `handleFailure(error, context)`: the error that answers a refusal.
 */
@Injectable()
export class CognitoAuthGuard implements CanActivate {
  private readonly routePolicies: RoutePolicyReader;
  private readonly authenticator: CognitoAuthenticator;
  // Injected as properties so that subclasses keep their (reflector, verifier) constructor.
  @Inject(ModuleRef) private appModuleRef?: ModuleRef;
  @Optional() @Inject(COGNITO_AUTH_CONFIG) private authConfig?: CognitoAuthConfig;
  private routeAuthorizer?: RouteAuthorizer;

  constructor(
    protected readonly reflector: Reflector,
    protected readonly verifier: CognitoTokenVerifier,
  ) {
    this.routePolicies = new RoutePolicyReader(reflector);
    this.authenticator = authenticatorOf(verifier);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.routePolicies.of(context);
    const request = this.getRequest(context) ?? {};
    let verdict: Verdict;
    try {
      const adapter = contextAdapterOf(context);
      verdict = this.authenticator.verify(
        this.getToken(request, context),
        adapter.transport,
        adapter.operationOf?.(context),
      );
    } catch (error) {
      return this.settle(context, request, policy, error, undefined);
    }
    if (!(verdict instanceof Promise)) return this.settle(context, request, policy, undefined, verdict);
    return verdict.then(
      (admitted) => this.settle(context, request, policy, undefined, admitted),
      (error: unknown) => this.settle(context, request, policy, error, undefined),
    );
  }

  /** The object that carries the credentials and receives `user`: the HTTP request, also in GraphQL resolvers. */
  getRequest(context: ExecutionContext): any {
    return contextAdapterOf(context).getRequest(context);
  }

  /** The token of the request, or null when it has none. Throw a `CognitoAuthError` for a malformed request. */
  getToken(request: any, context: ExecutionContext): string | null {
    return this.authenticator.findToken(request, contextAdapterOf(context), context);
  }

  /**
   * The verdict on a request: `error` is why the token was refused (or `MissingTokenError`),
   * `user` the verified user. Return the user to admit, or throw to refuse. On a `@Public()`
   * route a throw means "no user", never a refusal.
   */
  handleRequest(error: unknown, user: CognitoUser | undefined, _context: ExecutionContext): CognitoUser {
    if (error) throw error;
    if (!user) throw new MissingTokenError();
    return user;
  }

  /**
   * The error that answers a refusal in this context: sets `WWW-Authenticate` / `Retry-After`
   * where the transport has headers. An `HttpException` (from a custom check or a policy) is kept
   * as is, except in gateways, where it is answered with its status and message.
   */
  handleFailure(error: unknown, context: ExecutionContext): Error {
    // Over HTTP, Nest renders an HttpException itself; gateways and GraphQL (over WebSockets,
    // no formatter runs) need it as their own refusal to carry its status and code.
    if (error instanceof HttpException && RENDERS_HTTP_EXCEPTIONS.has(context.getType<string>())) return error;
    return contextAdapterOf(context).refuse(this.authenticator.answer(error), context);
  }

  /** A guard made outside Nest's injector gets the app's injector and options from the module's global guard. */
  [APP_BINDING](moduleRef: ModuleRef): void {
    this.appModuleRef ??= moduleRef;
    this.authConfig ??= moduleRef.get<CognitoAuthConfig>(COGNITO_AUTH_CONFIG, { strict: false });
  }

  /** The verdict judged by `handleRequest`, then the principal, the user placed, the route's rules. */
  private settle(
    context: ExecutionContext,
    request: any,
    policy: RoutePolicy,
    error: unknown,
    admitted: Admitted | undefined,
  ): true | Promise<true> {
    let user: CognitoUser;
    let principal: object | Promise<object>;
    try {
      user = this.handleRequest(error, admitted?.user, context);
      // A user of the hook's own gets a principal of its own.
      principal = user === admitted?.user ? admitted.principal : this.authenticator.principalOf(user);
    } catch (refusal) {
      return this.admitNobody(context, request, policy, refusal);
    }
    if (!(principal instanceof Promise)) return this.admit(context, request, policy, user, principal);
    return principal.then(
      (made) => this.admit(context, request, policy, user, made),
      (refusal: unknown) => this.admitNobody(context, request, policy, refusal),
    );
  }

  /** A refusal: answered on a protected route; on a `@Public()` route, the request goes on with no user. */
  private admitNobody(context: ExecutionContext, request: any, policy: RoutePolicy, refusal: unknown): true {
    if (!policy.isPublic) throw this.handleFailure(refusal, context);
    this.setUser(request, context, null, null);
    return true;
  }

  private admit(
    context: ExecutionContext,
    request: any,
    policy: RoutePolicy,
    user: CognitoUser,
    principal: object,
  ): true | Promise<true> {
    this.setUser(request, context, principal, user);
    if (policy.isPublic) return true;
    const refuse = (refusal: unknown): never => {
      throw this.handleFailure(refusal, context);
    };
    this.routeAuthorizer ??= new RouteAuthorizer(this.appModuleRef, this.authConfig);
    let pending: void | Promise<void>;
    try {
      pending = this.routeAuthorizer.check(policy, user, context);
    } catch (refusal) {
      return refuse(refusal);
    }
    return pending ? pending.then(() => true as const, refuse) : true;
  }

  /** Puts the users where `getRequest` points and where `@CurrentUser()` reads them, if that differs. */
  private setUser(request: any, context: ExecutionContext, principal: object | null, user: CognitoUser | null): void {
    placeUsers(contextAdapterOf(context), context, request, principal, user);
  }
}
