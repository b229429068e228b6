/**
 * `kit.overrideKeys(builder)` changes where the pool's keys come from and nothing else: the
 * app's `transformUser` (an injectable class with a dependency of its own) stays in force with
 * forRoot and forRootAsync, on Express and Fastify. `@CurrentUser()` gets the transformer's
 * principal; its `null` is a 401; `overrideProvider` of its dependency applies beside the kit.
 */
import { type DynamicModule, Injectable, type INestApplication, Module } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { type CognitoAuthOptions, type CognitoUser, type CognitoUserTransformer } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { type AppUser, WhoController } from './support/identity.js';
import { useKitWith } from './support/kit-app.js';
import { ADAPTERS } from './support/test-app.js';
import { forRootAndForRootAsync, listenOn } from './support/testing-module.js';

const POOL_ID = 'eu-west-1_AppPool1';
const CLIENT_ID = 'app-client';

/** The transformer's dependency: where a real app keeps its accounts. Knows every user but `ghost`. */
@Injectable()
class AccountDirectory {
  lookups = 0;
  planOf(sub: string): string | null {
    this.lookups += 1;
    return sub === 'ghost' ? null : 'pro';
  }
}

@Injectable()
class AccountTransformer implements CognitoUserTransformer<AppUser> {
  constructor(private readonly accounts: AccountDirectory) {}

  transform(user: CognitoUser): AppUser | null {
    const plan = this.accounts.planOf(user.sub);
    return plan === null ? null : { appId: `account-${user.sub}`, sub: user.sub, plan, profile: { tags: [] } };
  }
}

const appOptions = (): CognitoAuthOptions => ({
  userPoolId: POOL_ID,
  clientId: CLIENT_ID,
  transformUser: AccountTransformer,
});

@Module({ providers: [AccountDirectory], exports: [AccountDirectory] })
class AccountsModule {}

const CONFIGURATIONS = forRootAndForRootAsync(appOptions);

function testingModule(cognito: DynamicModule): TestingModuleBuilder {
  @Module({ imports: [AccountsModule, cognito], providers: [AccountTransformer], controllers: [WhoController] })
  class AppModule {}
  return Test.createTestingModule({ imports: [AppModule] });
}

const close = ({ app }: { app: INestApplication }) => app.close();

describe.each(ADAPTERS)('kit.overrideKeys keeps the injected transformUser (%s)', (adapter) => {
  describe.each(CONFIGURATIONS)('with %s', (_name, cognito) => {
    const { kit, started } = useKitWith((kit) => listenOn(kit.overrideKeys(testingModule(cognito())), adapter), close, {
      userPoolId: POOL_ID,
      clientId: CLIENT_ID,
    });

    it("@CurrentUser() is the transformer's principal, made with its injected dependency", async () => {
      const directory = started.app.get(AccountDirectory);
      const lookups = directory.lookups;
      const result = await get(`${started.url}/who`, bearer(kit.accessToken({ sub: 'user-1', username: 'ann' })));
      expect(result.status).toBe(200);
      expect(result.json()).toEqual({
        principal: { appId: 'account-user-1', sub: 'user-1', plan: 'pro', profile: { tags: [] } },
        cognitoSub: 'user-1',
        cognitoUsername: 'ann',
        requestUserIsPrincipal: true,
        requestCognitoUserIsUser: true,
      });
      expect(directory.lookups).toBe(lookups + 1);
      expect(kit.jwksRequestCount).toBeGreaterThan(0);
    });

    it("the transformer's null is a 401 (user_not_found)", async () => {
      const result = await get(`${started.url}/who`, bearer(kit.accessToken({ sub: 'ghost' })));
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });
  });
});

describe.each(CONFIGURATIONS)(
  'overrideProvider of the transformer dependency applies beside kit.overrideKeys (%s)',
  (_name, cognito) => {
    const { kit, started } = useKitWith(
      (kit) =>
        listenOn(
          kit.overrideKeys(
            testingModule(cognito())
              .overrideProvider(AccountDirectory)
              .useValue({ lookups: 0, planOf: (sub: string) => `plan-of-${sub}` }),
          ),
          'express',
        ),
      close,
      { userPoolId: POOL_ID, clientId: CLIENT_ID },
    );

    it("the principal is made by the app's transformer with the replaced dependency", async () => {
      const result = await get(`${started.url}/who`, bearer(kit.accessToken({ sub: 'ghost' })));
      expect(result.status).toBe(200);
      expect(result.json()).toMatchObject({ principal: { appId: 'account-ghost', plan: 'plan-of-ghost' } });
    });
  },
);
