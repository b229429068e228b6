import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { isAllowedOrigin } from './allowed-origins.js';

/**
 * CSRF protection for a state-changing route that the token cookie can authenticate: a request
 * that carries an `Authorization` header cannot be forged by another site (a browser never adds
 * one by itself), so it passes; a request authenticated by the cookie alone must come from the
 * app's own origin or one in ALLOWED_ORIGINS.
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
@Injectable()
export class CsrfOriginGuard implements CanActivate {
  private readonly allowedOrigins: readonly string[];

  constructor(config: ConfigService) {
    this.allowedOrigins = config.get<string[]>('allowedOrigins') ?? [];
  }

  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (headers.authorization !== undefined) return true;
    if (isAllowedOrigin(headers.origin, headers.host, this.allowedOrigins)) return true;
    throw new ForbiddenException('A cookie-authenticated request must come from this site or an allowed origin');
  }
}
