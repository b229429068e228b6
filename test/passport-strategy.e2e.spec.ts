import { Controller, Get, Injectable, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import passport from 'passport';
import { describe, expect, it } from 'vitest';
import { useKitApp } from './support/kit-app.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

/** The smallest Passport strategy: a fixed API key in `X-Api-Key`, checked by `validate`. */
class ApiKeyStrategyBase extends passport.Strategy {
  constructor(private readonly verify: (key: string, done: (error: unknown, user?: unknown) => void) => void) {
    super();
  }
  override authenticate(request: { headers: Record<string, string | string[] | undefined> }) {
    this.verify(String(request.headers['x-api-key'] ?? ''), (error, user) => {
      if (error) return this.error(error as Error);
      return user ? this.success(user) : this.fail('Bad API key', 401);
    });
  }
}

@Injectable()
class ApiKeyStrategy extends PassportStrategy(ApiKeyStrategyBase, 'api-key') {
  validate(key: string) {
    return key === 'let-me-in' ? { sub: 'api-client' } : null;
  }
}

@Controller()
class PassportController {
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get('cognito')
  cognito(@Req() request: { user: { sub: string; username: string | null } }) {
    return { sub: request.user.sub, username: request.user.username };
  }

  @UseGuards(AuthGuard(['cognito-jwt', 'api-key']))
  @Get('either')
  either(@Req() request: { user: { sub: string } }) {
    return { sub: request.user.sub };
  }
}

async function startPassportApp(kit: CognitoTestKit, adapter: (typeof ADAPTERS)[number]): Promise<RunningApp> {
  return startApp(
    {
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), globalGuard: false })],
      controllers: [PassportController],
      providers: [ApiKeyStrategy],
    },
    { adapter },
  );
}

describe.each(ADAPTERS)("AuthGuard('cognito-jwt') from @nestjs/passport (%s)", (adapter) => {
  const { kit, app } = useKitApp((kit) => startPassportApp(kit, adapter));

  it('admits a valid token and puts the Cognito user on the request', async () => {
    const res = await get(`${app.url}/cognito`, bearer(kit.accessToken({ username: 'alice' })));
    expect(res.status).toBe(200);
    expect(res.json().username).toBe('alice');
  });

  it('refuses a missing, an expired and a forged token with 401', async () => {
    const forged = kit.accessToken({}, { key: kit.generateKey() });
    for (const headers of [{}, bearer(kit.accessToken({}, { expiresIn: -60 })), bearer(forged)]) {
      expect((await get(`${app.url}/cognito`, headers)).status).toBe(401);
    }
  });

  it("combines with the app's own strategy: either credential is enough", async () => {
    expect((await get(`${app.url}/either`, bearer(kit.accessToken()))).json().sub).toBeTypeOf('string');
    expect((await get(`${app.url}/either`, { 'x-api-key': 'let-me-in' })).json()).toEqual({ sub: 'api-client' });
    expect((await get(`${app.url}/either`, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await get(`${app.url}/either`)).status).toBe(401);
  });
});

describe("two apps in one process keep their own pools behind AuthGuard('cognito-jwt')", () => {
  const { kit: kitA, app: appA } = useKitApp((kit) => startPassportApp(kit, 'express'), {
    userPoolId: 'us-east-1_PoolA',
  });
  const { kit: kitB, app: appB } = useKitApp((kit) => startPassportApp(kit, 'fastify'), {
    userPoolId: 'us-east-1_PoolB',
  });

  it("each app accepts its own pool's tokens and refuses the other's", async () => {
    expect((await get(`${appA.url}/cognito`, bearer(kitA.accessToken()))).status).toBe(200);
    expect((await get(`${appB.url}/cognito`, bearer(kitB.accessToken()))).status).toBe(200);
    expect((await get(`${appA.url}/cognito`, bearer(kitB.accessToken()))).status).toBe(401);
    expect((await get(`${appB.url}/cognito`, bearer(kitA.accessToken()))).status).toBe(401);
  });
});
