import type { CanActivate } from '@nestjs/common';
import { type ModuleRef, Reflector } from '@nestjs/core';
import { CognitoAuthGuard } from '../cognito-auth.guard.js';
import type { CognitoTokenVerifier } from '../cognito-token.verifier.js';
import { MissingTokenError } from '../errors/cognito-auth.errors.js';
import { toAnswer } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { CognitoPrincipals } from '../identity/cognito-principals.js';
import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import { APP_BINDING } from '../pipeline/app-binding.js';
import { registerAuthenticator } from '../pipeline/authenticator-registry.js';
import type { CognitoAuthenticator, Verdict } from '../pipeline/cognito-authenticator.js';
import { cognitoUser, type CognitoUserOptions } from './test-user.js';

/** Stands in for the token a signed-in user would send. */
const ACTING_TOKEN = 'acting-as-a-test-user';

/** Where the acting pipeline finds the app's `transformUser`, once the app's injector is known. */
interface AppPrincipals {
  principals?: CognitoPrincipals;
}

/**
 * A pipeline in which every request carries the acting user's token, and that token is the
 * user; the app's own user is made by the app's `transformUser`, as for a real token.
 */
function actingPipeline(user: CognitoUser | null, app: AppPrincipals): CognitoAuthenticator {
  const principalOf = (verified: CognitoUser) => app.principals?.principalOf(verified, ACTING_HEADERS) ?? verified;
  return {
    findToken: () => (user === null ? null : ACTING_TOKEN),
    verify: (token: string | null): Verdict => {
      if (token === null || user === null) throw new MissingTokenError();
      const principal = principalOf(user);
      return principal instanceof Promise ? principal.then((made) => ({ user, principal: made })) : { user, principal };
    },
    principalOf,
    answer: (error: unknown) => toAnswer(error),
  } as unknown as CognitoAuthenticator;
}

const ACTING_HEADER: CognitoJwtHeader = Object.freeze({ alg: 'RS256', kid: 'acting-as-a-test-user' });
const ACTING_HEADERS = { headerOf: () => ACTING_HEADER };

/**
 * `CognitoAuthGuard` with every request signed in as one user and no token checked. Everything
 * after the token is the real guard's: the route rules, the app's `fallbackPolicy` and policy
 * classes (from the app's injector, which the module's global guard hands it), the refusals.
 */
class ActingUserGuard extends CognitoAuthGuard {
  private readonly app: AppPrincipals;

  constructor(user: CognitoUser | null) {
    const app: AppPrincipals = {};
    const verifier = Object.create(null) as CognitoTokenVerifier;
    registerAuthenticator(verifier, actingPipeline(user, app));
    super(new Reflector(), verifier);
    this.app = app;
  }

  override [APP_BINDING](moduleRef: ModuleRef): void {
    super[APP_BINDING](moduleRef);
    this.app.principals ??= moduleRef.get(CognitoPrincipals, { strict: false });
  }
}

/**
 * A replacement for the module's guard that treats every request as signed in as the given
 * user, without tokens or keys: `@CurrentUser()` gets that user (see {@link cognitoUser}), the
 * route's rules and the app's `fallbackPolicy` and policies still answer 403 when the user does
 * not meet them, and `@Public()` routes stay open. `null` acts as nobody: protected routes
 * answer 401.
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideGuard(CognitoAuthGuard)
 *   .useValue(actAsCognitoUser({ username: 'alice', groups: ['admin'] }))
 */
export function actAsCognitoUser(user: CognitoUserOptions | null = {}): CanActivate {
  return new ActingUserGuard(user === null ? null : cognitoUser(user));
}
