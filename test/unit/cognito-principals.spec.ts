import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { randomUUID } from 'node:crypto';
import { ForbiddenException, Injectable } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import {
  CallbackUnavailableError,
  CognitoAuthConfigError,
  COGNITO_AUTH_CHANNELS,
  type CognitoAuthentication,
  type CognitoAuthOptions,
  type CognitoTokenVerifier,
  type CognitoTransformEvent,
  type CognitoUser,
  type CognitoUserTransformer,
  InvalidTokenError,
} from 'nestjs-cognito-auth';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { CognitoAuthConfig } from '../../lib/cognito-auth.config.js';
import { DEFAULTS } from '../../lib/cognito-auth.constants.js';
import { CognitoPrincipals } from '../../lib/identity/cognito-principals.js';
import { freezeGraph } from '../../lib/identity/freeze-graph.js';
import type { CognitoRevocationService } from '../../lib/revocation/cognito-revocation.service.js';

const tokenHeader = Object.freeze({ alg: 'RS256', kid: 'k1' });
/** Where the principals find a user's token header (the checker, in the module). */
const header = { headerOf: () => tokenHeader };
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A verified user as the checker makes it: one object per verified token. */
function userOf(claims: Record<string, unknown> = {}): CognitoUser {
  const sub = (claims.sub as string) ?? randomUUID();
  const all = {
    sub,
    jti: randomUUID(),
    origin_jti: randomUUID(),
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    ...claims,
  };
  return { sub, issuer: 'iss', tokenUse: 'access', clientId: 'client', claims: all } as unknown as CognitoUser;
}

/** The same token verified again (the verified-token cache dropped it): a new object, the same claims. */
const reverified = (user: CognitoUser) => ({ ...user }) as CognitoUser;

interface Made {
  principals: CognitoPrincipals;
  revoked: (sub: string, id: string) => void;
}

function principalsWith(options: Partial<CognitoAuthConfig> = {}, resolve?: (type: unknown) => unknown): Made {
  const config = {
    tokenCacheMaxEntries: 100,
    transformUserMaxAgeMs: DEFAULTS.transformUserMaxAgeMs,
    transformUserTimeoutMs: DEFAULTS.transformUserTimeoutMs,
    ...options,
  } as CognitoAuthConfig;
  const moduleRef = { get: (type: unknown) => resolve!(type) } as unknown as ModuleRef;
  let revoked: Made['revoked'] = () => undefined;
  const revocations = { onRevoked: (listener: Made['revoked']) => (revoked = listener) };
  const principals = new CognitoPrincipals(config, moduleRef, revocations as unknown as CognitoRevocationService);
  principals.onModuleInit();
  return { principals, revoked: (sub, id) => revoked(sub, id) };
}

/** A counting transform function. */
function counting(answer: (user: CognitoUser) => unknown = (user) => ({ id: user.sub })) {
  const transform = vi.fn(async (user: CognitoUser, _context: { signal: AbortSignal }) => answer(user));
  return transform;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CognitoPrincipals without a transformer', () => {
  it('the principal is the Cognito user itself, at once', () => {
    const { principals } = principalsWith();
    const user = userOf();
    expect(principals.transforms).toBe(false);
    expect(principals.principalOf(user, header)).toBe(user);
  });
});

describe('CognitoPrincipals makes a principal once per token', () => {
  it('the first request waits for the call; later ones get the kept principal synchronously', async () => {
    const transform = counting();
    const { principals } = principalsWith({ transformUser: transform });
    const user = userOf();
    const first = principals.principalOf(user, header);
    expect(first).toBeInstanceOf(Promise);
    const principal = await first;
    expect(principals.principalOf(user, header)).toBe(principal);
    expect(principals.principalOf(reverified(user), header)).toBe(principal);
    expect(transform).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(principal)).toBe(true);
  });

  it('concurrent requests share one call; a refusal reaches them all and is not kept', async () => {
    const transform = counting(() => null);
    const { principals } = principalsWith({ transformUser: transform });
    const user = userOf();
    const answers = await Promise.allSettled([
      principals.principalOf(user, header),
      principals.principalOf(user, header),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
    expect((answers[0] as PromiseRejectedResult).reason).toMatchObject({ reason: 'user_not_found' });
    expect(transform).toHaveBeenCalledTimes(1);
    await expect(principals.principalOf(user, header)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(transform).toHaveBeenCalledTimes(2);
  });

  it('a principal is reused for transformUserMaxAgeMs, then made again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const transform = counting();
    const { principals } = principalsWith({ transformUser: transform, transformUserMaxAgeMs: 1_000 });
    const user = userOf();
    await principals.principalOf(user, header);
    vi.advanceTimersByTime(999);
    principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(2);
  });

  it("never past the token's exp, whatever the max age", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const transform = counting();
    const { principals } = principalsWith({ transformUser: transform });
    const user = userOf({ exp: nowSeconds() + 10 });
    await principals.principalOf(user, header);
    vi.advanceTimersByTime(11_000);
    await principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(2);
  });

  it('transformUserMaxAgeMs 0: every request calls', async () => {
    const transform = counting();
    const { principals } = principalsWith({ transformUser: transform, transformUserMaxAgeMs: 0 });
    const user = userOf();
    await principals.principalOf(user, header);
    await principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(2);
  });
});

describe('CognitoPrincipals forgets principals', () => {
  it('forgetUser(sub) drops every token of that sub, not of others', async () => {
    const transform = counting();
    const { principals } = principalsWith({ transformUser: transform });
    const [a1, a2, b] = [userOf({ sub: 'a' }), userOf({ sub: 'a' }), userOf({ sub: 'b' })];
    for (const user of [a1, a2, b]) await principals.principalOf(user, header);
    principals.forgetUser('a');
    for (const user of [a1, a2, b]) await principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(5);
  });

  it('a revocation (session or token id) drops the principals of the tokens that carry it', async () => {
    const transform = counting();
    const { principals, revoked } = principalsWith({ transformUser: transform });
    const session = randomUUID();
    const [x, y, other] = [
      userOf({ sub: 's', origin_jti: session }),
      userOf({ sub: 's', origin_jti: session }),
      userOf({ sub: 's' }),
    ];
    for (const user of [x, y, other]) await principals.principalOf(user, header);
    revoked('s', session);
    revoked('s', other.claims.jti as string);
    revoked('nobody', randomUUID());
    for (const user of [x, y, other]) await principals.principalOf(user, header);
    expect(transform).toHaveBeenCalledTimes(6);
  });

  it('a principal being made when its user is forgotten answers the waiting request and is not kept', async () => {
    let finish!: () => void;
    const transform = vi.fn(async (): Promise<object> => ({ id: 2 }));
    transform.mockImplementationOnce(() => new Promise<object>((resolve) => (finish = () => resolve({ id: 1 }))));
    const { principals } = principalsWith({ transformUser: transform });
    const user = userOf({ sub: 'p' });
    const pending = principals.principalOf(user, header);
    principals.forgetUser('p');
    await vi.waitFor(() => expect(transform).toHaveBeenCalledTimes(1));
    finish();
    expect(await pending).toEqual({ id: 1 });
    expect(await principals.principalOf(user, header)).toEqual({ id: 2 });
    expect(transform).toHaveBeenCalledTimes(2);
  });
});

describe('CognitoPrincipals turns failures into answers', () => {
  it('HttpException and InvalidTokenError as thrown; anything else and non-objects: CallbackUnavailableError', async () => {
    const answers: Array<[() => unknown, (error: unknown) => void]> = [
      [
        () => {
          throw new ForbiddenException('no');
        },
        (error) => expect(error).toBeInstanceOf(ForbiddenException),
      ],
      [
        () => {
          throw new InvalidTokenError('user_not_found', 'gone');
        },
        (error) => expect(error).toMatchObject({ description: 'gone' }),
      ],
      [
        () => {
          throw new Error('db');
        },
        (error) => expect(error).toMatchObject({ callback: 'transformUser', retryAfterSeconds: 5 }),
      ],
      [() => 42, (error) => expect(error).toBeInstanceOf(CallbackUnavailableError)],
      [() => 'alice', (error) => expect(error).toBeInstanceOf(CallbackUnavailableError)],
    ];
    for (const [answer, check] of answers) {
      const { principals } = principalsWith({ transformUser: () => answer() as object });
      check(await Promise.resolve(principals.principalOf(userOf(), header)).catch((error: unknown) => error));
    }
  });

  it('no answer within transformUserTimeoutMs: CallbackUnavailableError, the signal aborted, a late answer dropped', async () => {
    let signal!: AbortSignal;
    let finish!: () => void;
    const transform = vi.fn((_user: CognitoUser, context: { signal: AbortSignal }) => {
      signal = context.signal;
      return new Promise<object>((resolve) => (finish = () => resolve({ late: true })));
    });
    const { principals } = principalsWith({ transformUser: transform, transformUserTimeoutMs: 20 });
    const user = userOf();
    await expect(principals.principalOf(user, header)).rejects.toBeInstanceOf(CallbackUnavailableError);
    expect(signal.aborted).toBe(true);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(principals.principalOf(user, header)).rejects.toBeInstanceOf(CallbackUnavailableError);
    expect(transform).toHaveBeenCalledTimes(2);
  });

  it('publishes one transform event per call, with its result and no sub', async () => {
    const events: CognitoTransformEvent[] = [];
    const listener = (message: unknown) => events.push(message as CognitoTransformEvent);
    subscribe(COGNITO_AUTH_CHANNELS.transform, listener);
    try {
      let answer: unknown = { id: 1 };
      const { principals } = principalsWith({ transformUser: () => answer as object });
      const user = userOf({ sub: 'secret-sub' });
      await principals.principalOf(user, header);
      await principals.principalOf(user, header);
      answer = null;
      await Promise.resolve(principals.principalOf(userOf(), header)).catch(() => undefined);
      answer = new ForbiddenException(); // the app's own refusal, thrown below
      const { principals: refusing } = principalsWith({
        transformUser: () => {
          throw answer;
        },
      });
      await Promise.resolve(refusing.principalOf(userOf(), header)).catch(() => undefined);
      answer = new Error('database down');
      await Promise.resolve(refusing.principalOf(userOf(), header)).catch(() => undefined);
      answer = 'not an object';
      await Promise.resolve(principals.principalOf(userOf(), header)).catch(() => undefined);
      expect(events.map((event) => event.result)).toEqual(['success', 'not_found', 'refused', 'error', 'error']);
      expect(JSON.stringify(events)).not.toContain('secret-sub');
    } finally {
      unsubscribe(COGNITO_AUTH_CHANNELS.transform, listener);
    }
  });
});

describe('CognitoPrincipals resolves a transformer class from the app', () => {
  @Injectable()
  class Transformer implements CognitoUserTransformer<{ id: string }> {
    transform(user: CognitoUser) {
      return { id: user.sub };
    }
  }

  it('uses the instance the injector gives', async () => {
    const instance = new Transformer();
    const { principals } = principalsWith({ transformUser: Transformer }, () => instance);
    expect(await principals.principalOf(userOf({ sub: 'c' }), header)).toEqual({ id: 'c' });
  });

  it('an injector that cannot give it: CognitoAuthConfigError naming the class', () => {
    expect(() =>
      principalsWith({ transformUser: Transformer }, () => {
        throw new Error('Nest could not find Transformer element');
      }),
    ).toThrow(CognitoAuthConfigError);
  });
});

describe('freezeGraph', () => {
  it('freezes every object reached, cycles and arrays included, and returns the same object', () => {
    const account: any = { id: 1, roles: [{ name: 'admin' }], profile: { tags: ['a'] } };
    account.profile.owner = account;
    expect(freezeGraph(account)).toBe(account);
    for (const value of [account, account.roles, account.roles[0], account.profile, account.profile.tags]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => account.roles.push({ name: 'root' })).toThrow(TypeError);
  });
});

describe('types: custom claims, principals and transformers', () => {
  it('CognitoUser<TClaims> types custom claims without a cast', () => {
    type TenantUser = CognitoUser<{ 'custom:tenant': string; 'custom:seats'?: number }>;
    expectTypeOf<TenantUser['claims']['custom:tenant']>().toEqualTypeOf<string>();
    expectTypeOf<TenantUser['claims']['custom:seats']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TenantUser['claims']['sub']>().toEqualTypeOf<string>();
    expectTypeOf<TenantUser>().toMatchTypeOf<CognitoUser>();
  });

  it('authenticate<T>() types the principal; transformUser takes a function or a transformer class', () => {
    // Checked by the type-checker only: never called.
    const typeOnly = (verifier: CognitoTokenVerifier) => {
      expectTypeOf(verifier.authenticate('token')).resolves.toEqualTypeOf<CognitoAuthentication<CognitoUser>>();
      expectTypeOf(verifier.authenticate<{ id: string }>('token')).resolves.toHaveProperty('principal').toEqualTypeOf<{
        id: string;
      }>();
    };
    expect(typeOnly).toBeTypeOf('function');
    expectTypeOf<CognitoAuthentication<{ id: string }>['principal']>().toEqualTypeOf<{ id: string }>();
    const fromFunction: CognitoAuthOptions = { transformUser: async (user) => ({ id: user.sub }) };
    const fromClass: CognitoAuthOptions = {
      transformUser: class implements CognitoUserTransformer<{ id: string }> {
        transform(user: CognitoUser) {
          return { id: user.sub };
        }
      },
    };
    expect([fromFunction, fromClass]).toHaveLength(2);
  });
});
