import { Controller, Get } from '@nestjs/common';
import { type CognitoUser, CurrentUser, Public } from 'nestjs-cognito-auth';

/** Optional authentication: public, but a valid token populates the user. */
@Controller('optional')
export class OptionalController {
  @Public()
  @Get()
  optional(@CurrentUser() user: CognitoUser | null) {
    return { user };
  }
}
