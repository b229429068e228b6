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

/**
 * The fallback policy: every route needs a valid Cognito token unless it is `@Public()`.
 * On a public route a valid token still populates the user (optional authentication).
 * `@Groups()` and `@Scopes()` are checked once the user is known.
 */
@Injectable()
export class CognitoAuthGuard extends AuthGuard(COGNITO_JWT_STRATEGY) {
  private readonly logger = new Logger('CognitoAuth');

  constructor(
    protected readonly reflector: Reflector,
    protected readonly strategy: CognitoJwtStrategy,
    protected readonly tokenCache: VerifiedTokenCache,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = this.getRequest(context) ?? {};
    if (this.isPublic(context)) {
      request.user = await this.authenticate(context, request).catch(() => null);
      return true;
    }
    try {
      const user = await this.authenticate(context, request);
      request.user = user;
      this.authorize(context, user);
      return true;
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
    return this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]) === true;
  }

  /** A token verified before (and still within exp/nbf) skips passport; others go through it. */
  protected async authenticate(context: ExecutionContext, request: any): Promise<CognitoUser> {
    const token = extractBearerToken(request);
    if (token === null) throw new MissingTokenError();
    return this.tokenCache.get(token) ?? this.authenticateWithPassport(context, request);
  }

  protected async authenticateWithPassport(context: ExecutionContext, request: any): Promise<CognitoUser> {
    const options = { session: false, ...(await this.getAuthenticateOptions(context)) };
    const response = this.getResponse(context);
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
      middleware(request, response, (error?: unknown) => reject(error ?? new Error('passport returned no result')));
    });
  }

  protected authorize(context: ExecutionContext, user: CognitoUser): void {
    const targets = [context.getHandler(), context.getClass()];
    const groups = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_GROUPS_KEY, targets);
    if (groups?.length && !this.isInAnyGroup(user, groups)) throw new GroupNotAllowedError(groups);
    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets);
    if (scopes?.length && !this.hasAllScopes(user, scopes)) throw new InsufficientScopeError(scopes);
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
