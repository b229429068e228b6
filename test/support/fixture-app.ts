/**
 * Controllers and a resolver for suites that build their own apps: the same routes as the
 * sample app's `/me`, `/me/sub`, `/optional` and GraphQL `me`/`health`, kept here so that
 * the sample app can change to teach something without changing what these suites test.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import { type CognitoUser, CurrentUser, Public } from 'nestjs-cognito-auth';

/** Protected by the global guard: the user object, and one field of it. */
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

/** Public, with optional authentication: the user of a valid token, null otherwise. */
@Controller('optional')
export class OptionalController {
  @Public()
  @Get()
  optional(@CurrentUser() user: CognitoUser | null) {
    return { user };
  }
}

@ObjectType('User')
export class UserModel {
  @Field() sub!: string;
  @Field(() => String, { nullable: true }) username!: string | null;
  @Field(() => String, { nullable: true }) clientId!: string | null;
  @Field() tokenUse!: string;
  @Field(() => [String]) groups!: string[];
  @Field(() => [String]) scopes!: string[];
  @Field(() => String, { nullable: true }) email?: string;
  @Field() userPoolId!: string;
  @Field() issuer!: string;
}

@Resolver()
export class MeResolver {
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

/** GET /passport behind `AuthGuard('cognito-jwt')` alone (public to the global guard): the user's sub. */
@Controller('passport')
export class PassportController {
  @Public()
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get()
  me(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}
