import { Controller, Get } from '@nestjs/common';
import { type CognitoUser, CurrentUser } from 'nestjs-cognito-auth';

/** No decorator: protected by the global guard (the fallback policy). */
@Controller('me')
export class MeController {
  @Get()
  me(@CurrentUser() user: CognitoUser) {
    return user;
  }

  @Get('sub')
  sub(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}
