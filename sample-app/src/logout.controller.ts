import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { type CognitoUser, CognitoRevocationService, CurrentUser } from 'nestjs-cognito-auth';
import { CsrfOriginGuard } from './csrf-origin.guard.js';

/**
 * Sign-out that sticks. A real app calls Cognito's `RevokeToken` (with the refresh token) or
 * `GlobalSignOut` here too, so that no new tokens are minted for the session. No error mapping
 * here: when the revocation cannot be stored (Redis down) the module answers 503 with
 * `Retry-After`, and a token that has nothing to revoke it by gets 400.
 */
@Controller('logout')
export class LogoutController {
  constructor(private readonly revocations: CognitoRevocationService) {}

  /**
   * Protected by the global guard; with the token cookie alone, only from this site or an
   * allowed origin (CSRF). Revokes the caller's sign-in (`origin_jti`, else `jti`).
   */
  @Post()
  @HttpCode(204)
  @UseGuards(CsrfOriginGuard)
  async logout(@CurrentUser() user: CognitoUser): Promise<void> {
    await this.revocations.revoke(user);
  }
}
