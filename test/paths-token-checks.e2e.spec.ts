/**
 * `customCheck` and revocation (an app's own store, under `failurePolicy: 'refuse'`) on every path a token can take (REST, `AuthGuard('cognito-jwt')`,
 * GraphQL over HTTP and over graphql-ws, the socket.io handshake, a gateway message, the
 * verifier, the app as a Lambda function): each is asked on every request, verified-token cache
 * hits included, and its refusal gets one status everywhere; a deny-list that is stale or cannot be
 * read is answered 503 with a retry delay everywhere, never a pass. One app per adapter; real clients,
 * the kit's real JWKS server.
 */
import { randomUUID } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { CognitoAuthModule, CognitoRevocationService } from 'nestjs-cognito-auth';
import { beforeEach, describe, expect, it } from 'vitest';
import { nowSeconds } from './support/auth-e2e.js';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { SwitchableRevocationStore } from './support/paths-revocation-store.js';
import { askEveryPath, onEveryPath, PATHS_METADATA, useAppOnEveryAdapter } from './support/paths-app.js';
import { ADAPTERS } from './support/test-app.js';

const CALLBACK_TIMEOUT_MS = 200;

/** Users the custom check refuses, by `sub`: with a 403 of its own, a plain error, or no answer ever. */
const suspended = new Set<string>();
const refused = new Set<string>();
const hung = new Set<string>();
function checkUser({ payload }: { payload: Record<string, unknown> }): void | Promise<void> {
  const sub = String(payload.sub);
  if (suspended.has(sub)) throw new ForbiddenException('Suspended account');
  if (refused.has(sub)) throw new Error('not this one');
  if (hung.has(sub)) return new Promise<void>(() => undefined);
}

const kit = useKit();
const stores = { express: new SwitchableRevocationStore(), fastify: new SwitchableRevocationStore() };
const apps = useAppOnEveryAdapter((adapter) => ({
  imports: [
    CognitoAuthModule.forRoot({
      ...kit.moduleOptions(),
      tokenUse: 'any',
      customCheck: checkUser,
      callbackTimeoutMs: CALLBACK_TIMEOUT_MS,
      revocation: { store: stores[adapter], failurePolicy: 'refuse' },
    }),
    graphqlWsModule(adapter),
  ],
  ...PATHS_METADATA,
}));
const sockets = useSocketClients();
beforeEach(() => {
  for (const set of [suspended, refused, hung]) set.clear();
  for (const store of Object.values(stores)) Object.assign(store, { isCurrent: true, failing: false });
});

const admitted = () => onEveryPath({ status: 200, userPoolId: kit.userPoolId });

describe('a customCheck refusal gets one status on every path', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it('its own ForbiddenException: 403', async () => {
      suspended.add('suspended-user');
      const token = kit.accessToken({ sub: 'suspended-user' });
      expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 403 }));
    });

    it('a plain error: 401', async () => {
      refused.add('refused-user');
      const token = kit.accessToken({ sub: 'refused-user' });
      expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 401 }));
    });

    it(`no answer within callbackTimeoutMs (${CALLBACK_TIMEOUT_MS} ms): 503 with Retry-After`, async () => {
      hung.add('hung-user');
      const token = kit.accessToken({ sub: 'hung-user' });
      expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 503, retryAfter: 5 }));
    });
  });
});

describe('the customCheck runs on cache hits on every path', () => {
  it.each(ADAPTERS)('a cached token is refused once the check starts refusing its user (%s)', async (adapter) => {
    const token = kit.accessToken({ sub: 'turns-bad' });
    expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(admitted());
    suspended.add('turns-bad');
    expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 403 }));
  });
});

describe('revocation on every path, cache hits included', () => {
  const revocations = (adapter: (typeof ADAPTERS)[number]) => apps[adapter].app.get(CognitoRevocationService);

  it.each(ADAPTERS)('a revoked sign-in session: every token of it gets 401 everywhere (%s)', async (adapter) => {
    const session = randomUUID();
    const access = kit.accessToken({ origin_jti: session });
    const id = kit.idToken({ origin_jti: session });
    expect(await askEveryPath(apps[adapter], access, sockets)).toEqual(admitted());
    expect(await askEveryPath(apps[adapter], id, sockets)).toEqual(admitted());
    await revocations(adapter).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(await askEveryPath(apps[adapter], access, sockets)).toEqual(onEveryPath({ status: 401 }));
    expect(await askEveryPath(apps[adapter], id, sockets)).toEqual(onEveryPath({ status: 401 }));
  });

  it.each(ADAPTERS)(
    'a revoked token (jti): 401 everywhere, another token of its sign-in still admitted (%s)',
    async (adapter) => {
      const session = randomUUID();
      const revoked = kit.accessToken({ origin_jti: session, jti: randomUUID() });
      const sibling = kit.accessToken({ origin_jti: session, jti: randomUUID() });
      expect(await askEveryPath(apps[adapter], revoked, sockets)).toEqual(admitted());
      const claims = JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString());
      await revocations(adapter).revokeToken(claims);
      expect(await askEveryPath(apps[adapter], revoked, sockets)).toEqual(onEveryPath({ status: 401 }));
      expect(await askEveryPath(apps[adapter], sibling, sockets)).toEqual(admitted());
    },
  );
});

describe('a deny-list that cannot be trusted is answered 503 on every path, never a pass', () => {
  it.each(ADAPTERS)(
    "stale under failurePolicy 'refuse': 503 with one Retry-After everywhere, then admitted again (%s)",
    async (adapter) => {
      const token = kit.accessToken();
      expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(admitted());
      stores[adapter].isCurrent = false;
      const answers = await askEveryPath(apps[adapter], token, sockets);
      expect(answers.rest).toEqual({ status: 503, retryAfter: expect.any(Number) });
      expect(answers).toEqual(onEveryPath(answers.rest));
      stores[adapter].isCurrent = true;
      expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(admitted());
    },
  );

  it.each(ADAPTERS)('a store whose reads throw: 503 with Retry-After everywhere (%s)', async (adapter) => {
    stores[adapter].failing = true;
    const answers = await askEveryPath(apps[adapter], kit.accessToken(), sockets);
    expect(answers.rest).toEqual({ status: 503, retryAfter: expect.any(Number) });
    expect(answers).toEqual(onEveryPath(answers.rest));
  });
});
