/**
 * `toHttpException(error)`: code that calls `verify()` itself (a token in a custom header, an
 * SSE endpoint…) answers a refusal exactly as the guard answers the same token.
 */
import { Controller, Get, Headers } from '@nestjs/common';
import { CognitoTokenVerifier, Public, toHttpException } from 'nestjs-cognito-auth';
import { type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { describe, expect, it } from 'vitest';
import { useModuleApp } from './support/kit-app.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { ADAPTERS } from './support/test-app.js';

@Controller()
class ManualVerificationController {
  constructor(private readonly verifier: CognitoTokenVerifier) {}

  /** Verifies the token of a custom header itself. */
  @Public()
  @Get('manual')
  async manual(@Headers('x-token') token: string | undefined) {
    try {
      const user = await this.verifier.verify(token ?? '');
      return { username: user.username };
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /** The same check by the global guard. */
  @Get('guarded')
  guarded() {
    return { ok: true };
  }
}

/** What a client sees of a refusal: status, challenge, Retry-After and the body's status code. */
const answerOf = (result: HttpResult) => ({
  status: result.status,
  challenge: result.headers['www-authenticate'],
  retryAfter: result.headers['retry-after'],
  statusCode: result.status === 200 ? undefined : result.json().statusCode,
});

describe.each(ADAPTERS)('toHttpException gives the guard answer (%s)', (adapter) => {
  const { kit, app: running } = useModuleApp({ adapter, controllers: [ManualVerificationController] });

  const manual = (token: string) => get(`${running.url}/manual`, { 'x-token': token });
  const guarded = (token: string) => get(`${running.url}/guarded`, bearer(token));

  it('admits a valid token', async () => {
    const result = await manual(kit.accessToken({ username: 'carol' }));
    expect(result.status).toBe(200);
    expect(result.json()).toEqual({ username: 'carol' });
  });

  it.each<[string, (kit: CognitoTestKit) => string]>([
    ['an expired token', (kit) => kit.accessToken({}, { expiresIn: -600 })],
    ['a token of another app client', (kit) => kit.accessToken({ client_id: 'someone-else' })],
    ['a token signed by an unpublished key', (kit) => kit.accessToken({}, { key: kit.generateKey() })],
    ['an ID token where access tokens are expected', (kit) => kit.idToken()],
    ['a token that is not a JWT', () => 'not-a-jwt'],
  ])('%s: 401 with the same invalid_token challenge', async (_name, tokenOf) => {
    const token = tokenOf(kit);
    const [mine, guards] = await Promise.all([manual(token), guarded(token)]);
    expect(answerOf(mine)).toEqual(answerOf(guards));
    expect(mine.status).toBe(401);
    expect(mine.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });
});

describe.each(ADAPTERS)('toHttpException when no key can be had (%s)', (adapter) => {
  const { kit, app: running } = useModuleApp({
    adapter,
    controllers: [ManualVerificationController],
    prepare: (kit) => kit.setJwksBehaviour('error-500'),
  });

  it('answers 503 with Retry-After, as the guard does', async () => {
    const token = kit.accessToken();
    const mine = await get(`${running.url}/manual`, { 'x-token': token });
    const guards = await get(`${running.url}/guarded`, bearer(token));
    expect(answerOf(mine)).toEqual(answerOf(guards));
    expect(mine.status).toBe(503);
    expect(Number(mine.headers['retry-after'])).toBeGreaterThan(0);
    expect(mine.headers['www-authenticate']).toBeUndefined();
  });
});
