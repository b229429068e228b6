import { Controller, HttpCode, Post } from '@nestjs/common';
import { type CognitoUser, CognitoRevocationService, CurrentUser } from 'nestjs-cognito-auth';

/**
 * Sign-out that sticks. A real app calls Cognito's `RevokeToken` (with the refresh token) or
 * `GlobalSignOut` here too, so that no new tokens are minted for the session. No error mapping
 * here: when the revocation cannot be stored (Redis down) the module answers 503 with
 * `Retry-After`, and a token that has nothing to revoke it by gets 400.
 */
@Controller('logout')
export class LogoutController {
  constructor(private readonly revocations: CognitoRevocationService) {}

  /** No decorator: protected by the global guard. Revokes the caller's sign-in (`origin_jti`, else `jti`). */
  @Post()
  @HttpCode(204)
  async logout(@CurrentUser() user: CognitoUser): Promise<void> {
    await this.revocations.revoke(user);
  }
}
