/**
 * `AuthGuard('cognito-jwt')` from `@nestjs/passport` gives the module guard's answers: for each
 * kind of refusal (no token, an expired token, two `Authorization` headers, no signing key to be
 * had, a stale deny-list under `failurePolicy: 'refuse'`), the same status, `WWW-Authenticate`
 * and `Retry-After` as the global guard gives the same request in a second app; never a 500,
 * never a bare 401. Real apps on both adapters, the kit's real JWKS server, a real redis-server.
 */
import { randomUUID } from 'node:crypto';
import { Controller, ForbiddenException, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { type CognitoAuthOptions, CognitoAuthModule, CognitoRevocationService, CurrentUser } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { MeController } from './support/fixture-app.js';
import { nowSeconds } from './support/auth-e2e.js';
import { useKitWith } from './support/kit-app.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { quietRedisClient, useRedisServer, within } from './support/redis-server.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

/** The route `/me` behind `AuthGuard('cognito-jwt')`, in an app without the global guard. */
@Controller('me')
class PassportMeController {
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get()
  me(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}

/** What a client can act on: the status and the two headers that tell it what to do next. */
interface Answer {
  status: number;
  challenge: string | undefined;
  retryAfter: string | undefined;
}

function answerOf(res: HttpResult): Answer {
  expect(res.json(), 'the body is Nest’s error JSON of the same status').toMatchObject({ statusCode: res.status });
  return {
    status: res.status,
    challenge: res.headers['www-authenticate'] as string | undefined,
    retryAfter: res.headers['retry-after'] as string | undefined,
  };
}

/** The two apps of a comparison: `/me` behind Passport, and `/me` behind the global guard. */
interface AppPair {
  passport: RunningApp;
  guard: RunningApp;
}

async function startPair(adapter: HttpAdapterName, options: () => CognitoAuthOptions): Promise<AppPair> {
  const passport = await startApp(
    { imports: [CognitoAuthModule.forRoot({ ...options(), globalGuard: false })], controllers: [PassportMeController] },
    { adapter },
  );
  const guard = await startApp(
    { imports: [CognitoAuthModule.forRoot(options())], controllers: [MeController] },
    { adapter },
  ).catch(async (error: unknown) => {
    await passport.close();
    throw error;
  });
  return { passport, guard };
}

/** Sends the same request to both apps; both answers, Passport's first. */
async function bothAnswers(pair: AppPair, headers: Record<string, string | string[]> = {}) {
  const passport = answerOf(await get(`${pair.passport.url}/me`, headers));
  const guard = answerOf(await get(`${pair.guard.url}/me`, headers));
  return { passport, guard };
}

async function closePair(pair: AppPair): Promise<void> {
  await Promise.all([pair.passport.close(), pair.guard.close()]);
}

/**
 * A kit (`prepare`d first) and the pair of apps `options` configures with it, started before the
 * suite's tests and closed after them.
 */
function usePair(
  adapter: HttpAdapterName,
  options: (kit: CognitoTestKit) => CognitoAuthOptions,
  prepare: (kit: CognitoTestKit) => unknown = () => undefined,
) {
  const { kit, started: pair } = useKitWith(async (kit) => {
    await prepare(kit);
    return startPair(adapter, () => options(kit));
  }, closePair);
  return { kit, pair };
}

describe.each(ADAPTERS)("AuthGuard('cognito-jwt') refuses a request as the guard does (%s)", (adapter) => {
  const { kit, pair } = usePair(adapter, (kit) => kit.moduleOptions());

  it('admits a valid token on both (the control)', async () => {
    const token = kit.accessToken({ sub: 'alice' });
    for (const app of [pair.passport, pair.guard]) {
      expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    }
  });

  it('no token: 401 with WWW-Authenticate: Bearer', async () => {
    const { passport, guard } = await bothAnswers(pair);
    expect(passport).toEqual({ status: 401, challenge: 'Bearer', retryAfter: undefined });
    expect(passport).toEqual(guard);
  });

  it('an expired token: 401 with Bearer error="invalid_token"', async () => {
    const { passport, guard } = await bothAnswers(pair, bearer(kit.accessToken({}, { expiresIn: -60 })));
    expect(passport).toEqual({
      status: 401,
      challenge: 'Bearer error="invalid_token", error_description="The token has expired"',
      retryAfter: undefined,
    });
    expect(passport).toEqual(guard);
  });

  it('two Authorization headers: 400 invalid_request', async () => {
    const token = kit.accessToken();
    const { passport, guard } = await bothAnswers(pair, { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
    expect(passport).toEqual({
      status: 400,
      challenge: expect.stringMatching(/^Bearer error="invalid_request"/),
      retryAfter: undefined,
    });
    expect(passport).toEqual(guard);
  });
});

/** A custom check that refuses two users: one with its own 403, one with a plain error (401). */
function refuseSomeUsers({ payload }: { payload: Record<string, unknown> }): void {
  if (payload.sub === 'forbidden-user') throw new ForbiddenException('Suspended account');
  if (payload.sub === 'refused-user') throw new Error('not this one');
}

describe.each(ADAPTERS)("AuthGuard('cognito-jwt') answers every other refusal as the guard does (%s)", (adapter) => {
  const { kit, pair } = usePair(adapter, (kit) => ({ ...kit.moduleOptions(), customCheck: refuseSomeUsers }));

  const cases: Array<[string, () => Record<string, string | string[]>, Partial<Answer>]> = [
    [
      'a forged signature',
      () => bearer(kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } })),
      { status: 401 },
    ],
    ['an ID token', () => bearer(kit.idToken()), { status: 401 }],
    ['junk', () => bearer('not-a-jwt'), { status: 401 }],
    ['a comma in the header', () => ({ authorization: `Bearer ${kit.accessToken()}, Bearer x` }), { status: 400 }],
    ['a 403 from the custom check', () => bearer(kit.accessToken({ sub: 'forbidden-user' })), { status: 403 }],
    ['a plain error from the custom check', () => bearer(kit.accessToken({ sub: 'refused-user' })), { status: 401 }],
  ];

  it.each(cases)('%s', async (_case, headers, expected) => {
    const { passport, guard } = await bothAnswers(pair, headers());
    expect(passport).toMatchObject(expected);
    expect(passport).toEqual(guard);
  });

  it('a revoked session', async () => {
    const session = randomUUID();
    const token = kit.accessToken({ origin_jti: session });
    for (const app of [pair.passport, pair.guard]) {
      await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    }
    const { passport, guard } = await bothAnswers(pair, bearer(token));
    expect(passport).toMatchObject({ status: 401, challenge: expect.stringContaining('revoked') });
    expect(passport).toEqual(guard);
  });
});

describe.each(ADAPTERS)("AuthGuard('cognito-jwt') when no signing key can be had (%s)", (adapter) => {
  const { kit, pair } = usePair(
    adapter,
    (kit) => kit.moduleOptions(),
    (kit) => kit.setJwksBehaviour('error-500'), // before either app has downloaded a key
  );

  it('503 with Retry-After, never 500, as the guard answers', async () => {
    const { passport, guard } = await bothAnswers(pair, bearer(kit.accessToken()));
    expect(passport).toEqual({ status: 503, challenge: undefined, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
    expect(passport).toEqual(guard);
    expect(pair.passport.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
  });
});

describe.each(ADAPTERS)(
  "AuthGuard('cognito-jwt') with a stale deny-list under failurePolicy 'refuse' (%s)",
  (adapter) => {
    const redis = useRedisServer();
    const clients = [] as Array<ReturnType<typeof quietRedisClient>>;
    // Registered before the pair, so it runs after the apps have closed.
    afterAll(() => {
      for (const client of clients) client.disconnect();
    });
    /** Each app gets its own client of the same Redis, as two instances would. */
    const options = (kit: CognitoTestKit): CognitoAuthOptions => {
      const client = quietRedisClient(redis.url);
      clients.push(client);
      return { ...kit.moduleOptions(), revocation: { redis: client, failurePolicy: 'refuse' } };
    };
    const { kit, pair } = usePair(adapter, options);

    it('503 with Retry-After once Redis is gone, never 500, as the guard answers', async () => {
      const token = kit.accessToken();
      for (const app of [pair.passport, pair.guard]) {
        expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
      }
      await redis.kill();
      for (const app of [pair.passport, pair.guard]) {
        await within(
          2_000,
          'the app notices that its list is stale',
          async () => (await get(`${app.url}/me`, bearer(token))).status !== 200,
        );
      }
      const { passport, guard } = await bothAnswers(pair, bearer(token));
      expect(passport).toEqual({ status: 503, challenge: undefined, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
      expect(passport).toEqual(guard);
      expect(pair.passport.logs.text() + pair.guard.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
    });
  },
);
