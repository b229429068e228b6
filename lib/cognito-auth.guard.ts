import { type ExecutionContext, HttpException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { VerifiedTokenCache } from './cache/verified-token.cache.js';
import { COGNITO_JWT_STRATEGY, IS_PUBLIC_KEY, REQUIRED_GROUPS_KEY, REQUIRED_SCOPES_KEY } from './cognito-auth.constants.js';
import { CognitoJwtStrategy } from './cognito-jwt.strategy.js';
import {
  CognitoAuthError,
  GroupNotAllowedError,
  InsufficientScopeError,
  MissingTokenError,
} from './errors/cognito-auth.errors.js';
import { toAuthFailureResponse } from './http/auth-failure.js';
import { extractBearerToken } from './http/bearer-token.js';
import { getRequestFromContext, getResponseFromContext, setResponseHeader } from './http/execution-context.js';
import type { CognitoUser } from './interfaces/cognito-user.interface.js';
import { toCognitoAuthError } from './token/verification-failure.js';

/** What a route asks for, from its decorators. */
export interface RoutePolicy {
  readonly isPublic: boolean;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

/**
 * The fallback policy: every route needs a valid Cognito token unless it is `@Public()`.
 * On a public route a valid token still populates the user (optional authentication).
 * `@Groups()` and `@Scopes()` are checked once the user is known.
 */
@Injectable()
export class CognitoAuthGuard extends AuthGuard(COGNITO_JWT_STRATEGY) {
  private readonly logger = new Logger('CognitoAuth');
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly strategy: CognitoJwtStrategy,
    protected readonly tokenCache: VerifiedTokenCache,
  ) {
    super();
  }

  /**
   * Synchronous when it can be (a cached token, or a public route without one), so the common
   * case costs no promise; a token seen for the first time goes through passport.
   */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = this.getRequest(context) ?? {};
    if (this.isPublic(context)) return this.admitOptionally(context, request);
    try {
      const user = this.authenticate(context, request);
      if (!(user instanceof Promise)) return this.admit(context, request, user);
      return user
        .then((verified) => this.admit(context, request, verified))
        .catch((error: unknown) => {
          throw this.toHttpException(error, context);
        });
    } catch (error) {
      throw this.toHttpException(error, context);
    }
  }

  override getRequest(context: ExecutionContext): any {
    return getRequestFromContext(context);
  }

  getResponse(context: ExecutionContext): any {
    return getResponseFromContext(context);
  }

  /** passport's verdict: the user, or the precise reason it failed. */
  override handleRequest<TUser = CognitoUser>(
    error: unknown,
    user: unknown,
    info: unknown,
    _context?: ExecutionContext,
    _status?: unknown,
  ): TUser {
    if (error) throw error;
    if (!user) throw toCognitoAuthError(info);
    return user as TUser;
  }

  protected isPublic(context: ExecutionContext): boolean {
    return this.routePolicy(context).isPublic;
  }

  /** Puts the user on the request, then checks `@Groups` and `@Scopes` (throws on failure). */
  protected admit(context: ExecutionContext, request: any, user: CognitoUser): true {
    request.user = user;
    this.authorize(context, user);
    return true;
  }

  /** A public route always passes: the user of a valid token, null for no token or an invalid one. */
  protected admitOptionally(context: ExecutionContext, request: any): true | Promise<true> {
    let user: CognitoUser | Promise<CognitoUser> | null;
    try {
      const token = extractBearerToken(request);
      user = token === null ? null : this.verify(context, request, token);
    } catch {
      user = null;
    }
    if (!(user instanceof Promise)) {
      request.user = user;
      return true;
    }
    return user.then(
      (verified) => {
        request.user = verified;
        return true as const;
      },
      () => {
        request.user = null;
        return true as const;
      },
    );
  }

  protected authenticate(context: ExecutionContext, request: any): CognitoUser | Promise<CognitoUser> {
    const token = extractBearerToken(request);
    if (token === null) throw new MissingTokenError();
    return this.verify(context, request, token);
  }

  /** A token verified before (and still within exp/nbf) skips passport; others go through it. */
  protected verify(context: ExecutionContext, request: any, token: string): CognitoUser | Promise<CognitoUser> {
    return this.tokenCache.get(token) ?? this.authenticateWithPassport(context, request);
  }

  /**
   * Runs passport with the request's credentials only: passport decorates the object it is given
   * (logIn, logOut, …), which on an Express request costs more than verifying a cached token.
   */
  protected async authenticateWithPassport(context: ExecutionContext, request: any): Promise<CognitoUser> {
    const options = { session: false, ...(await this.getAuthenticateOptions(context)) };
    const response = this.getResponse(context);
    const credentials = { headers: request.headers, rawHeaders: request.rawHeaders ?? request.raw?.rawHeaders };
    return new Promise<CognitoUser>((resolve, reject) => {
      const middleware = this.strategy
        .getPassportInstance()
        .authenticate(COGNITO_JWT_STRATEGY, options, (error: unknown, user: unknown, info: unknown, status: unknown) => {
          try {
            resolve(this.handleRequest(error, user, info, context, status));
          } catch (failure) {
            reject(failure);
          }
        });
      middleware(credentials, response, (error?: unknown) => reject(error ?? new Error('passport returned no result')));
    });
  }

  protected authorize(context: ExecutionContext, user: CognitoUser): void {
    const { groups, scopes } = this.routePolicy(context);
    if (groups.length > 0 && !this.isInAnyGroup(user, groups)) throw new GroupNotAllowedError(groups);
    if (scopes.length > 0 && !this.hasAllScopes(user, scopes)) throw new InsufficientScopeError(scopes);
  }

  /**
   * `@Public`, `@Groups` and `@Scopes` of a route, read once per handler and class with
   * `Reflector.getAllAndOverride` (handler first) and then kept: metadata does not change at run time.
   */
  protected routePolicy(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let policies = this.policies.get(controller);
    if (!policies) this.policies.set(controller, (policies = new WeakMap()));
    let policy = policies.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true,
        groups: this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_GROUPS_KEY, targets) ?? [],
        scopes: this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets) ?? [],
      };
      policies.set(handler, policy);
    }
    return policy;
  }

  protected isInAnyGroup(user: CognitoUser, groups: readonly string[]): boolean {
    return groups.some((group) => user.groups.includes(group));
  }

  protected hasAllScopes(user: CognitoUser, scopes: readonly string[]): boolean {
    return scopes.every((scope) => user.scopes.includes(scope));
  }

  /** Sets the RFC 6750 headers on the response and returns the exception Nest will render. */
  protected toHttpException(error: unknown, context: ExecutionContext): HttpException {
    if (error instanceof HttpException) return error;
    if (!(error instanceof CognitoAuthError)) {
      this.logger.error(`Unexpected ${(error as Error)?.name ?? 'error'} while authenticating; answering 401`);
    }
    const { exception, headers } = toAuthFailureResponse(toCognitoAuthError(error));
    const response = this.getResponse(context);
    for (const [name, value] of Object.entries(headers)) setResponseHeader(response, name, value);
    return exception;
  }
}
