import { Query, Resolver } from '@nestjs/graphql';
import { type CognitoUser, CurrentCognitoUser, Public } from 'nestjs-cognito-auth';
import { UserModel } from './user.model.js';

@Resolver()
export class MeResolver {
  /** Protected by the global guard, like `GET /me`: the Cognito user, also when COGNITO_PROFILES makes a profile. */
  @Query(() => UserModel)
  me(@CurrentCognitoUser() user: CognitoUser): UserModel {
    return user as unknown as UserModel;
  }

  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }
}
