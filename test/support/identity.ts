/**
 * What the suites of the app's own user share: a transformer the test steers and counts, and
 * controllers that show the principal next to the verified Cognito user.
 */
import { Controller, Get, Req } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import {
  type CognitoTransformContext,
  type CognitoUser,
  CurrentCognitoUser,
  CurrentUser,
  Groups,
  Policy,
  Public,
} from 'nestjs-cognito-auth';

/** The principal the suites' transformers make by default. */
export interface AppUser {
  readonly appId: string;
  readonly sub: string;
  readonly plan: string;
  readonly profile: { readonly tags: string[] };
}

export const appUserOf = (user: CognitoUser): AppUser => ({
  appId: `app-${user.sub}`,
  sub: user.sub,
  plan: 'pro',
  profile: { tags: ['a'] },
});

/**
 * A `transformUser` function that counts its calls, keeps the signal of each, and answers with
 * `answer` (which a test replaces), after `delayMs` when set.
 */
export class TransformerProbe {
  calls = 0;
  readonly signals: AbortSignal[] = [];
  delayMs = 0;
  answer: (user: CognitoUser, context: CognitoTransformContext) => unknown = appUserOf;

  readonly transform = async (user: CognitoUser, context: CognitoTransformContext): Promise<any> => {
    this.calls += 1;
    this.signals.push(context.signal);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.answer(user, context);
  };

  reset(): void {
    this.calls = 0;
    this.signals.length = 0;
    this.delayMs = 0;
    this.answer = appUserOf;
  }
}

/** Tries to change the principal: strict mode makes a frozen object throw instead of ignoring it. */
function tryToChange(principal: any): string[] {
  const threw: string[] = [];
  const attempts: Record<string, () => void> = {
    field: () => (principal.plan = 'free'),
    nested: () => principal.profile.tags.push('b'),
    added: () => (principal.extra = true),
    ...(principal.since && { date: () => principal.since.setUTCFullYear(1999) }),
    ...(principal.roles && { set: () => principal.roles.add('admin') }),
    ...(principal.limits && { map: () => principal.limits.set('seats', 999) }),
  };
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      attempt();
    } catch (error) {
      if (error instanceof TypeError) threw.push(name);
    }
  }
  return threw;
}

/** The principal (`@CurrentUser()`, `request.user`) and the Cognito user (`@CurrentCognitoUser()`, `request.cognitoUser`). */
@Controller('who')
export class WhoController {
  @Get()
  who(@CurrentUser() principal: AppUser, @CurrentCognitoUser() user: CognitoUser, @Req() request: any) {
    return {
      principal,
      cognitoSub: user.sub,
      cognitoUsername: user.username,
      requestUserIsPrincipal: request.user === principal,
      requestCognitoUserIsUser: request.cognitoUser === user,
    };
  }

  @Public()
  @Get('public')
  public(@CurrentUser() principal: AppUser | null, @CurrentCognitoUser() user: CognitoUser | null) {
    return { principal, cognitoSub: user?.sub ?? null };
  }

  /** `@Groups` reads the Cognito user: the principal has no groups. */
  @Groups('admin')
  @Get('admin')
  admin(@CurrentUser('appId') appId: string) {
    return { appId };
  }

  /** A policy gets the principal. */
  @Policy((principal) => (principal as unknown as AppUser).plan === 'pro')
  @Get('pro')
  pro() {
    return { ok: true };
  }

  @Get('change')
  change(@CurrentUser() principal: any) {
    const threw = tryToChange(principal);
    return {
      threw,
      frozen: Object.isFrozen(principal) && Object.isFrozen(principal.profile.tags),
      principal,
      ...(principal.roles && {
        roles: [...principal.roles],
        limits: [...principal.limits],
        isSet: principal.roles instanceof Set,
      }),
    };
  }
}

/** GraphQL's `appId` (the principal's) and `cognitoSub` (the verified Cognito user's). */
@Resolver()
export class IdentityResolver {
  @Query(() => String)
  appId(@CurrentUser() principal: AppUser): string {
    return principal.appId;
  }

  @Query(() => String)
  cognitoSub(@CurrentCognitoUser('sub') sub: string): string {
    return sub;
  }
}
