import {
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CognitoAuthGuard, CognitoAuthModule, type CognitoUser, CurrentUser } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

@Controller('me')
class MeController {
  @Get()
  me(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub, username: user.username };
  }
}

/** Each hook counts its calls, so a test can tell that it ran on a cache hit too. */
const calls = { getRequest: 0, getToken: 0, handleRequest: 0, handleFailure: 0 };
const resetCalls = () => Object.keys(calls).forEach((hook) => (calls[hook as keyof typeof calls] = 0));

/** Reads the credentials from a copy of the request that carries `X-Alt-Authorization`. */
@Injectable()
class AltRequestGuard extends CognitoAuthGuard {
  override getRequest(context: ExecutionContext) {
    calls.getRequest += 1;
    const request = super.getRequest(context);
    const headers = request.headers ?? request.raw?.headers;
    return { headers: { authorization: headers['x-alt-authorization'] } };
  }
}

@Injectable()
class ApiTokenHeaderGuard extends CognitoAuthGuard {
  override getToken(request: any): string | null {
    calls.getToken += 1;
    return request.headers['x-api-token'] ?? null;
  }
}

@Injectable()
class BetaOnlyGuard extends CognitoAuthGuard {
  override handleRequest(error: unknown, user: CognitoUser | undefined, context: ExecutionContext): CognitoUser {
    calls.handleRequest += 1;
    const admitted = super.handleRequest(error, user, context);
    if (!admitted.groups.includes('beta')) throw new ForbiddenException('Beta users only');
    return admitted;
  }
}

@Injectable()
class PlainRefusalGuard extends CognitoAuthGuard {
  override handleFailure(_error: unknown, _context: ExecutionContext): Error {
    calls.handleFailure += 1;
    return new UnauthorizedException({ error: 'sign_in_required' });
  }
}

describe.each(ADAPTERS)('customising the guard by subclassing it (%s)', (adapter) => {
  let kit: CognitoTestKit;
  let app: RunningApp;

  async function startWith(guard: typeof CognitoAuthGuard) {
    resetCalls();
    kit = await createCognitoTestKit();
    app = await startApp(
      {
        imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), globalGuard: false })],
        controllers: [MeController],
        providers: [{ provide: APP_GUARD, useClass: guard }],
      },
      { adapter },
    );
  }
  const me = (headers: Record<string, string> = {}) => get(`${app.url}/me`, headers);

  afterEach(async () => {
    await app?.close();
    await kit?.close();
  });

  describe('getRequest', () => {
    it('decides where the credentials are read, and @CurrentUser() still sees the user, also on a cache hit', async () => {
      await startWith(AltRequestGuard);
      const token = kit.accessToken({ username: 'alice' });
      expect((await me(bearer(token))).status).toBe(401);
      for (let round = 0; round < 2; round += 1) {
        const res = await me({ 'x-alt-authorization': `Bearer ${token}` });
        expect(res.status).toBe(200);
        expect(res.json().username).toBe('alice');
      }
      expect(calls.getRequest).toBe(3);
    });
  });

  describe('getToken', () => {
    it('finds the token, on the first request and on a cache hit', async () => {
      await startWith(ApiTokenHeaderGuard);
      const token = kit.accessToken({ username: 'bob' });
      expect((await me({ 'x-api-token': token })).json().username).toBe('bob');
      expect((await me({ 'x-api-token': token })).json().username).toBe('bob');
      expect((await me(bearer(token))).status).toBe(401);
      expect(calls.getToken).toBe(3);
    });
  });

  describe('handleRequest', () => {
    it('judges every verdict, including a cached token', async () => {
      await startWith(BetaOnlyGuard);
      const beta = kit.accessToken({ 'cognito:groups': ['beta'] });
      const other = kit.accessToken({ 'cognito:groups': ['staff'] });
      expect((await me(bearer(beta))).status).toBe(200);
      expect((await me(bearer(beta))).status).toBe(200);
      expect((await me(bearer(other))).status).toBe(403);
      const again = await me(bearer(other));
      expect(again.status).toBe(403);
      expect(again.json().message).toBe('Beta users only');
      expect(calls.handleRequest).toBe(4);
    });

    it('sees the error of a refused token', async () => {
      await startWith(BetaOnlyGuard);
      const expired = kit.accessToken({}, { expiresIn: -60 });
      expect((await me(bearer(expired))).status).toBe(401);
      expect(calls.handleRequest).toBe(1);
    });
  });

  describe('handleFailure', () => {
    it('answers every refusal (no token, an invalid token) and is not called for a valid one', async () => {
      await startWith(PlainRefusalGuard);
      const missing = await me();
      expect(missing.status).toBe(401);
      expect(missing.json()).toEqual({ error: 'sign_in_required' });
      expect((await me(bearer(kit.accessToken({}, { expiresIn: -60 })))).json()).toEqual({ error: 'sign_in_required' });
      expect((await me(bearer(kit.accessToken()))).status).toBe(200);
      expect(calls.handleFailure).toBe(2);
    });
  });
});
