import { Field, ObjectType } from '@nestjs/graphql';

/** The GraphQL view of the `@CurrentUser()` object. */
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
