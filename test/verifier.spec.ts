/**
 * `CognitoTokenVerifier.verify(token)`, the service for code that is not an HTTP route (queues,
 * SSE, sockets): on every token of the hostile table it gives the guard's verdict, status and
 * challenge included, the first time and from the cache.
 */
import { Injectable, Module } from '@nestjs/common';
import {
  type CognitoUser,
  CognitoTokenVerifier,
  InvalidTokenError,
  KeySetUnavailableError,
  toFailureAnswer,
} from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { useKitApp, useModuleApp } from './support/kit-app.js';
import { get, type HttpResult } from './support/http.js';
import { challengeOf, probeModule, ProbeController } from './support/hostile.js';
import { useHostileApps } from './support/hostile-apps.js';
import { CASES } from './support/hostile-cases.js';
import { startApp } from './support/test-app.js';

/** A verdict in the terms both callers share: admitted with a user, or refused with an answer. */
type Verdict = { admitted: string } | { status: number; challenge: string | undefined };

function verdictOfResponse(res: HttpResult): Verdict {
  if (res.status === 200) return { admitted: res.json().sub };
  return { status: res.status, challenge: challengeOf(res) };
}

async function verdictOfVerifier(verifier: CognitoTokenVerifier, token: string): Promise<Verdict> {
  try {
    const user = await verifier.verify(token);
    return { admitted: user.sub };
  } catch (error) {
    const answer = toFailureAnswer(error);
    return { status: answer.status, challenge: answer.headers['WWW-Authenticate'] };
  }
}

describe('the verifier gives the guard verdict on every hostile token', () => {
  const { ctx, targetOf } = useHostileApps((ctx) => startApp(probeModule(ctx.kit.moduleOptions())));
  let compared = 0;

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const probe = testCase.build(ctx);
    const token = probe.token;
    // Cases about the header itself (two headers, other schemes) carry no token to compare.
    if (token === undefined || probe.path !== undefined || probe.headers.authorization !== `Bearer ${token}`) return;
    compared += 1;
    const target = targetOf(probe);
    const verifier = target.app.get(CognitoTokenVerifier);

    const first = await verdictOfVerifier(verifier, token);
    let res: HttpResult | undefined;
    try {
      res = await get(`${target.url}/protected`, probe.headers);
    } catch {
      // A header past Node's limit can be dropped with the connection: nothing to compare.
    }
    const again = await verdictOfVerifier(verifier, token);

    expect(again, 'the same verdict from the cache').toEqual(first);
    if (res === undefined || res.status === 431) {
      expect(first).toMatchObject({ status: 401 });
      return;
    }
    expect(first).toEqual(verdictOfResponse(res));
    if (testCase.expect === 'ok') expect(first).toHaveProperty('admitted');
    if (testCase.expect === 'invalid_token') expect(first).toMatchObject({ status: 401 });
  });

  it('compared most of the table', () => {
    expect(compared).toBeGreaterThanOrEqual(150);
  });
});

describe('the verifier rejects with the typed errors', () => {
  const { kit, app } = useKitApp((kit) => startApp(probeModule(kit.moduleOptions())));

  it('resolves a valid token to the user the guard puts on the request', async () => {
    const token = kit.accessToken({ 'cognito:groups': ['a', 'b'], scope: 'openid orders/read' });
    const user = await app.app.get(CognitoTokenVerifier).verify(token);
    expect(user).toMatchObject({
      username: 'test-user',
      groups: ['a', 'b'],
      scopes: ['openid', 'orders/read'],
      tokenUse: 'access',
    });
    const res = await get(`${app.url}/protected`, { authorization: `Bearer ${token}` });
    expect(res.json()).toEqual({ sub: user.sub, username: user.username });
  });

  it('rejects an expired token with InvalidTokenError(expired)', async () => {
    const rejection = app.app.get(CognitoTokenVerifier).verify(kit.accessToken({}, { expiresIn: -60 }));
    await expect(rejection).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(rejection).rejects.toMatchObject({ reason: 'expired' });
  });

  it('rejects rather than throws, whatever string it is given', async () => {
    const verifier = app.app.get(CognitoTokenVerifier);
    for (const junk of ['', 'a.b', '...', 'x'.repeat(20_000), 'é.é.é']) {
      const outcome = verifier.verify(junk);
      expect(outcome).toBeInstanceOf(Promise);
      await expect(outcome).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });

  it('rejects what is not a string (from untyped callers) with InvalidTokenError', async () => {
    const verifier = app.app.get(CognitoTokenVerifier);
    for (const junk of [undefined, null, 42, { token: 'x' }, ['a.b.c']]) {
      await expect(verifier.verify(junk as unknown as string)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });
});

describe('the verifier when no signing key can be had', () => {
  const { kit, app } = useKitApp(async (kit) => {
    kit.setJwksBehaviour('error-500');
    return startApp(probeModule({ ...kit.moduleOptions(), jwksTimeoutMs: 500 }));
  });

  it('rejects with KeySetUnavailableError, answered 503 like the guard', async () => {
    const token = kit.accessToken();
    const rejection = app.app.get(CognitoTokenVerifier).verify(token);
    await expect(rejection).rejects.toBeInstanceOf(KeySetUnavailableError);
    const res = await get(`${app.url}/protected`, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(503);
    expect(toFailureAnswer(await rejection.catch((error: unknown) => error)).status).toBe(503);
  });
});

@Injectable()
class QueueConsumer {
  constructor(private readonly verifier: CognitoTokenVerifier) {}
  handle(message: { token: string }): Promise<CognitoUser> {
    return this.verifier.verify(message.token);
  }
}

describe('the verifier injected in an application service', () => {
  @Module({ providers: [QueueConsumer] })
  class ConsumerModule {}
  const { kit, app } = useModuleApp({ adapter: 'express', imports: [ConsumerModule], controllers: [ProbeController] });

  it('is the module instance, with its pool', async () => {
    const consumer = app.app.get(QueueConsumer);
    await expect(consumer.handle({ token: kit.accessToken({ sub: 'from-queue' }) })).resolves.toMatchObject({
      sub: 'from-queue',
    });
    await expect(consumer.handle({ token: kit.accessToken({ client_id: 'other' }) })).rejects.toMatchObject({
      reason: 'wrong_client',
    });
  });
});
