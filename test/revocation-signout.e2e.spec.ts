// Sign-out answers like the guard when it cannot be done: the module's errors thrown by the
// app's own code (revoke() while Redis is down, a token with nothing to revoke it by, a
// rejected verify()) get the guard's status, challenge and Retry-After through the module's
// exception filter, with no mapping code in the controller. The sample app's Redis client
// reports an outage once and is closed with the app.
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CognitoTokenVerifier, Public } from 'nestjs-cognito-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_REDIS } from '../sample-app/src/revocation-redis.module.js';
import { useKit } from './support/kit-app.js';
import {
  closedLoopbackPort,
  DESCRIPTIONS,
  expectInvalidToken,
  nowSeconds,
  startModuleApp,
} from './support/auth-e2e.js';
import { bearer, send } from './support/http.js';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

const kit = useKit();

const logout = (app: RunningApp, token: string) => send('POST', `${app.url}/logout`, bearer(token));

describe.each(ADAPTERS)('POST /logout while Redis is unreachable answers 503 with Retry-After (%s)', (adapter) => {
  let app: RunningApp;
  let client: Redis;
  beforeAll(async () => {
    const deadRedis = `redis://127.0.0.1:${await closedLoopbackPort()}`;
    app = await startSampleApp(kit, { adapter, env: { REVOCATION_REDIS_URL: deadRedis } });
    client = app.app.get<Redis>(REVOCATION_REDIS, { strict: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('the revocation cannot be shared: 503, Retry-After, Nest’s usual body, not a 500', async () => {
    const res = await logout(app, kit.accessToken());
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({
      statusCode: 503,
      message: 'Token verification is temporarily unavailable',
      error: 'Service Unavailable',
    });
  });

  it('the sample app’s client reports the outage once, however often it retries, and is closed with the app', async () => {
    expect(client.listenerCount('error')).toBeGreaterThan(0);
    const reports = app.logs.lines.filter((line) => line.includes('Redis client:'));
    expect(reports).toHaveLength(1);
    const reconnectionsWithin = async (ms: number) => {
      let count = 0;
      const counter = () => count++;
      client.on('reconnecting', counter);
      await new Promise((resolve) => setTimeout(resolve, ms));
      client.off('reconnecting', counter);
      return count;
    };
    expect(['connecting', 'reconnecting']).toContain(client.status); // still trying
    await app.close();
    expect(await reconnectionsWithin(2_500)).toBe(0); // ioredis retries at least every 2 s
  });
});

@Controller('verify')
class VerifyController {
  constructor(private readonly verifier: CognitoTokenVerifier) {}

  /** Verifies a token the client sends in the body, as a queue consumer or an SSE endpoint would. */
  @Public()
  @Post()
  @HttpCode(200)
  async verify(@Body() body: { token: string }) {
    return { sub: (await this.verifier.verify(body.token)).sub };
  }
}

describe.each(ADAPTERS)('the module’s errors thrown by app code get the guard’s answer (%s)', (adapter) => {
  let sample: RunningApp;
  let app: RunningApp;
  beforeAll(async () => {
    [sample, app] = await Promise.all([
      startSampleApp(kit, { adapter }),
      startModuleApp(kit, {}, [VerifyController], adapter),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sample?.close(), app?.close()]);
  });

  it('revoke() of a token with no origin_jti or jti: 400 invalid_request, never 500', async () => {
    const res = await logout(sample, kit.accessToken({ origin_jti: undefined, jti: undefined }));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request", error_description="[^"]*jti/);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('a rejected verify() the app called itself: 401 with the challenge', async () => {
    const expired = kit.accessToken({ exp: nowSeconds() - 3600, iat: nowSeconds() - 7200 });
    const verify = (token: string) =>
      send('POST', `${app.url}/verify`, { 'content-type': 'application/json' }, JSON.stringify({ token }));
    expectInvalidToken(await verify(expired), DESCRIPTIONS.expired);
    const accepted = await verify(kit.accessToken());
    expect(accepted.status).toBe(200);
  });
});
