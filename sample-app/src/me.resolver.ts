import { Query, Resolver } from '@nestjs/graphql';
import { type CognitoUser, CurrentUser, Public } from 'nestjs-cognito-auth';
import { UserModel } from './user.model.js';

@Resolver()
export class MeResolver {
  /** Protected by the global guard, like `GET /me`. */
  @Query(() => UserModel)
  me(@CurrentUser() user: CognitoUser): UserModel {
    return user as unknown as UserModel;
  }

  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }
}
