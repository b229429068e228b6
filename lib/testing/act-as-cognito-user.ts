import type { CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CognitoAuthGuard } from '../cognito-auth.guard.js';
import type { CognitoTokenVerifier } from '../cognito-token.verifier.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { cognitoUser, type CognitoUserOptions } from './test-user.js';

/** Stands in for the token a signed-in user would send. */
const ACTING_TOKEN = 'acting-as-a-test-user';

/**
 * `CognitoAuthGuard` with every request signed in as one user and no token checked: the
 * route rules (`@Public`, `@Groups`, `@Scopes`) and the refusals are the real guard's.
 */
class ActingUserGuard extends CognitoAuthGuard {
  constructor(private readonly actingUser: CognitoUser | null) {
    const verifier = {
      verifyNow: () => actingUser,
      verify: () => Promise.resolve(actingUser),
    } as unknown as CognitoTokenVerifier;
    super(new Reflector(), verifier);
  }

  override getToken(): string | null {
    return this.actingUser === null ? null : ACTING_TOKEN;
  }
}

/**
 * A replacement for the module's guard that treats every request as signed in as the given
 * user, without tokens or keys: `@CurrentUser()` gets that user (see {@link cognitoUser}),
 * `@Groups`/`@Scopes` still answer 403 when the user lacks them, and `@Public()` routes stay
 * open. `null` acts as nobody: protected routes answer 401.
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideGuard(CognitoAuthGuard)
 *   .useValue(actAsCognitoUser({ username: 'alice', groups: ['admin'] }))
 */
export function actAsCognitoUser(user: CognitoUserOptions | null = {}): CanActivate {
  return new ActingUserGuard(user === null ? null : cognitoUser(user));
}
