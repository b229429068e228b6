import { Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import {
  type CognitoUser,
  CognitoRevocationService,
  CurrentUser,
  RevocationUnavailableError,
} from 'nestjs-cognito-auth';

/**
 * Sign-out that sticks. A real app calls Cognito's `RevokeToken` (with the refresh token) or
 * `GlobalSignOut` here too, so that no new tokens are minted for the session.
 */
@Controller('logout')
export class LogoutController {
  constructor(private readonly revocations: CognitoRevocationService) {}

  /** No decorator: protected by the global guard. Revokes the caller's sign-in (`origin_jti`, else `jti`). */
  @Post()
  @HttpCode(204)
  async logout(@CurrentUser() user: CognitoUser): Promise<void> {
    try {
      await this.revocations.revoke(user);
    } catch (error) {
      if (error instanceof RevocationUnavailableError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
  }
}
