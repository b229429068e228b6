import { Controller, type DynamicModule, Get, Injectable, Module } from '@nestjs/common';
import {
  type CognitoTransformContext,
  type CognitoUser,
  type CognitoUserTransformer,
  CurrentCognitoUser,
  CurrentUser,
} from 'nestjs-cognito-auth';

/** The app's own user: what `@CurrentUser()` gives when COGNITO_PROFILES=demo. */
export interface Profile {
  readonly id: string;
  readonly sub: string;
  readonly username: string;
  readonly displayName: string;
  readonly plan: 'free' | 'team';
}

/**
 * The app's user directory, kept in memory for the demo; a real app would query its database
 * here (passing the signal on, so a lookup that took too long is cancelled).
 */
@Injectable()
export class ProfileDirectory {
  private readonly byUsername = new Map<string, Omit<Profile, 'sub'>>([
    ['alice', { id: 'profile-1', username: 'alice', displayName: 'Alice Liddell', plan: 'team' }],
    ['bob', { id: 'profile-2', username: 'bob', displayName: 'Bob Builder', plan: 'free' }],
  ]);

  async findByUsername(username: string, signal: AbortSignal): Promise<Omit<Profile, 'sub'> | null> {
    signal.throwIfAborted();
    return this.byUsername.get(username) ?? null;
  }
}

/** Turns each verified Cognito user into its profile, once per token; an unknown user gets 401. */
@Injectable()
export class ProfileTransformer implements CognitoUserTransformer<Profile> {
  constructor(private readonly directory: ProfileDirectory) {}

  async transform(user: CognitoUser, { signal }: CognitoTransformContext): Promise<Profile | null> {
    if (user.username === null) return null; // machine-to-machine tokens have no profile
    const profile = await this.directory.findByUsername(user.username, signal);
    return profile && { ...profile, sub: user.sub };
  }
}

@Controller('me')
export class ProfileController {
  /** The principal next to what the built-in rules read: the Cognito user's groups. */
  @Get('profile')
  profile(@CurrentUser() profile: Profile, @CurrentCognitoUser('groups') groups: readonly string[]) {
    return { profile, groups };
  }
}

/** COGNITO_PROFILES=demo: the directory, its transformer and GET /me/profile; nothing otherwise. */
@Module({})
export class ProfilesModule {
  static register(profiles: 'demo' | undefined): DynamicModule {
    if (profiles !== 'demo') return { module: ProfilesModule };
    return {
      module: ProfilesModule,
      providers: [ProfileDirectory, ProfileTransformer],
      controllers: [ProfileController],
    };
  }
}
