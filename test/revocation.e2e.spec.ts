// Revocation with the default in-memory store: sign-out through the sample app's POST /logout,
// refusals on verified-token cache hits over REST and GraphQL, public routes, and the bound.
import { randomUUID } from 'node:crypto';
import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import {
  CognitoAuthConfigError,
  CognitoAuthModule,
  CognitoRevocationService,
  CognitoTokenVerifier,
  type CognitoUser,
  CurrentUser,
  RevocationUnavailableError,
} from 'nestjs-cognito-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../lib/cache/verified-token.cache.js';
import { REVOCATION_DEFAULTS } from '../lib/revocation/revocation.config.js';
import { useApp, useKit } from './support/kit-app.js';
import { bearer, get, send } from './support/http.js';
import { ask, SocketClients } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

const REVOKED = 'Bearer error="invalid_token", error_description="The token has been revoked"';
const nowSeconds = () => Math.floor(Date.now() / 1000);

const kit = useKit();

const logout = (app: RunningApp, token: string) => send('POST', `${app.url}/logout`, bearer(token));
const graphqlMe = (app: RunningApp, token: string) =>
  send(
    'POST',
    `${app.url}/graphql`,
    { 'content-type': 'application/json', ...bearer(token) },
    JSON.stringify({ query: '{ me { sub username } }' }),
  );
const isCached = (app: RunningApp, token: string) => app.app.get(VerifiedTokenCache).get(token) !== undefined;

describe.each(ADAPTERS)('POST /logout revokes the sign-in session, refused on cache hits over REST (%s)', (adapter) => {
  const app = useApp(() => startSampleApp(kit, { adapter }));

  it('answers 204, then every token of that sign-in gets 401 invalid_token, while other sign-ins pass', async () => {
    const session = randomUUID();
    const access = kit.accessToken({ origin_jti: session, username: 'alice' });
    const refreshed = kit.accessToken({ origin_jti: session, username: 'alice' }); // same sign-in, new jti
    const otherSession = kit.accessToken({ username: 'alice' });
    for (const token of [access, refreshed, otherSession])
      expect((await get(`${app.url}/me`, bearer(token))).status).toBe(200);
    expect(isCached(app, access) && isCached(app, refreshed)).toBe(true);

    const res = await logout(app, access);
    expect(res.status).toBe(204);
    expect(res.body).toBe('');

    for (const token of [access, refreshed]) {
      const me = await get(`${app.url}/me`, bearer(token));
      expect(me.status).toBe(401);
      expect(me.headers['www-authenticate']).toBe(REVOKED);
      expect(me.json().message).toBe('The token has been revoked');
      expect(isCached(app, token)).toBe(true); // refused on the cache hit, not by a fresh verification
    }
    expect((await get(`${app.url}/me`, bearer(otherSession))).status).toBe(200);
    expect(app.logs.text()).not.toContain(access);
  });

  it('a @Public() route treats a revoked token as no token', async () => {
    const token = kit.accessToken();
    expect((await get(`${app.url}/optional`, bearer(token))).json().user).not.toBeNull();
    expect((await logout(app, token)).status).toBe(204);
    const res = await get(`${app.url}/optional`, bearer(token));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ user: null });
  });

  it('a second logout with the revoked token is refused like any request', async () => {
    const token = kit.accessToken();
    expect((await logout(app, token)).status).toBe(204);
    const again = await logout(app, token);
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toBe(REVOKED);
  });

  it('a token without origin_jti (machine-to-machine) is revoked by its jti alone', async () => {
    const machine = kit.machineToken();
    const sibling = kit.machineToken();
    expect((await logout(app, machine)).status).toBe(204);
    expect((await get(`${app.url}/me`, bearer(machine))).status).toBe(401);
    expect((await get(`${app.url}/me`, bearer(sibling))).status).toBe(200);
  });
});

describe.each(ADAPTERS)('a revoked token is refused on cache hits over GraphQL (%s)', (adapter) => {
  const app = useApp(() => startSampleApp(kit, { adapter }));

  it('the me query answers UNAUTHENTICATED with the revoked description', async () => {
    const token = kit.accessToken({ username: 'alice' });
    expect((await graphqlMe(app, token)).json().data.me.username).toBe('alice');
    expect(isCached(app, token)).toBe(true);
    expect((await logout(app, token)).status).toBe(204);

    const body = (await graphqlMe(app, token)).json();
    expect(body.data).toBeNull();
    expect(body.errors[0].message).toBe('The token has been revoked');
    expect(body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(JSON.stringify(body)).not.toContain(token);
  });
});

describe.each(ADAPTERS)('a revoked token is refused over WebSockets (%s)', (adapter) => {
  let app: RunningApp;
  const sockets = new SocketClients();
  beforeAll(async () => {
    app = await startSampleApp(kit, { adapter });
  });
  afterAll(async () => {
    sockets.closeAll();
    await app?.close();
  });

  it('an open connection gets 401 for its next message, and a new handshake is refused', async () => {
    const token = kit.accessToken();
    const socket = await sockets.connect(`${app.url}/events`, { auth: { token } });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { sub: expect.any(String) } });
    expect((await logout(app, token)).status).toBe(204);

    expect(await ask(socket, 'whoami')).toEqual({
      exception: expect.objectContaining({
        status: 401,
        error: 'invalid_token',
        message: 'The token has been revoked',
      }),
    });
    const refusal = await sockets.refusal(`${app.url}/events`, { auth: { token } });
    expect(refusal).toMatchObject({ status: 401, error: 'invalid_token' });
  });
});

@Controller('me')
class MeController {
  @Get()
  me(@CurrentUser() user: CognitoUser) {
    return { sub: user.sub };
  }
}

describe('the revocation API: sessions, single tokens, the user object or the claims', () => {
  let app: RunningApp;
  let revocations: CognitoRevocationService;
  beforeAll(async () => {
    app = await startApp({ imports: [CognitoAuthModule.forRoot(kit.moduleOptions())], controllers: [MeController] });
    revocations = app.app.get(CognitoRevocationService);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('revokeToken refuses that token only; the rest of its sign-in still passes', async () => {
    const session = randomUUID();
    const [first, second] = [kit.accessToken({ origin_jti: session }), kit.accessToken({ origin_jti: session })];
    const user = await app.app.get(CognitoTokenVerifier).verify(first);
    await revocations.revokeToken(user);
    expect((await get(`${app.url}/me`, bearer(first))).status).toBe(401);
    expect((await get(`${app.url}/me`, bearer(second))).status).toBe(200);
    await revocations.revokeSession(user);
    expect((await get(`${app.url}/me`, bearer(second))).status).toBe(401);
  });

  it('accepts raw claims, and says when a claim it needs is missing', async () => {
    const jti = randomUUID();
    await revocations.revokeToken({ jti, exp: nowSeconds() + 60 });
    expect(revocations.isRevoked({ jti, exp: nowSeconds() + 60 })).toBe(true);
    await expect(revocations.revokeSession({ jti, exp: nowSeconds() + 60 })).rejects.toThrow(/origin_jti/);
    await expect(revocations.revokeToken({ exp: nowSeconds() + 60 })).rejects.toThrow(/jti/);
    await expect(revocations.revoke({ jti } as never)).rejects.toThrow(/exp/);
  });

  it('an already expired token leaves nothing to remember', async () => {
    const before = revocations.size;
    await revocations.revoke({ jti: randomUUID(), exp: nowSeconds() - 3600 });
    expect(revocations.size).toBe(before);
  });
});

@Controller('passport')
class PassportController {
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get()
  me(@Req() request: { user: CognitoUser }) {
    return { sub: request.user.sub };
  }
}

describe("AuthGuard('cognito-jwt') checks the deny-list too", () => {
  it('refuses a revoked token with 401', async () => {
    const app = await startApp({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), globalGuard: false })],
      controllers: [PassportController],
    });
    try {
      const token = kit.accessToken();
      expect((await get(`${app.url}/passport`, bearer(token))).status).toBe(200);
      await app.app.get(CognitoRevocationService).revoke(await app.app.get(CognitoTokenVerifier).verify(token));
      expect((await get(`${app.url}/passport`, bearer(token))).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('a flooded in-memory store stays bounded', () => {
  it(`keeps at most ${REVOCATION_DEFAULTS.maxEntries} revocations by default; further ones are refused, none evicted`, async () => {
    const app = await startApp({
      imports: [CognitoAuthModule.forRoot(kit.moduleOptions())],
      controllers: [MeController],
    });
    try {
      const revocations = app.app.get(CognitoRevocationService);
      const exp = nowSeconds() + 3600;
      const first = { origin_jti: randomUUID(), exp };
      await revocations.revoke(first);
      let refused = 0;
      for (let index = 1; index < REVOCATION_DEFAULTS.maxEntries + 5_000; index++) {
        await revocations.revoke({ jti: `flood-${index}`, exp }).catch((error) => {
          expect(error).toBeInstanceOf(RevocationUnavailableError);
          refused++;
        });
      }
      expect(revocations.size).toBe(REVOCATION_DEFAULTS.maxEntries);
      expect(refused).toBe(5_000);
      expect(revocations.isRevoked(first)).toBe(true); // the oldest entry was not evicted
    } finally {
      await app.close();
    }
  });

  it('makes room as entries expire with their tokens (exp + clock tolerance)', async () => {
    const app = await startApp({
      imports: [
        CognitoAuthModule.forRoot({ ...kit.moduleOptions(), clockTolerance: 0, revocation: { maxEntries: 100 } }),
      ],
      controllers: [MeController],
    });
    try {
      const revocations = app.app.get(CognitoRevocationService);
      const soon = nowSeconds() + 1;
      for (let index = 0; index < 100; index++) await revocations.revoke({ jti: `short-${index}`, exp: soon });
      await expect(revocations.revoke({ jti: 'one-too-many', exp: soon + 3600 })).rejects.toBeInstanceOf(
        RevocationUnavailableError,
      );
      await new Promise((resolve) => setTimeout(resolve, (soon + 0.05) * 1000 - Date.now()));
      await revocations.revoke({ jti: 'after-expiry', exp: soon + 3600 });
      expect(revocations.size).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('revocation options are checked at start-up', () => {
  it.each([
    [{ failurePolicy: 'open' }, /failurePolicy/],
    [{ maxEntries: 0 }, /maxEntries/],
    [{ keyPrefix: '' }, /keyPrefix/],
    [{ redis: { host: 'localhost' } }, /ioredis client/],
  ])('refuses %j', async (revocation, message) => {
    const boot = startApp({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), revocation: revocation as never })],
    });
    await expect(boot).rejects.toThrow(CognitoAuthConfigError);
    await expect(boot).rejects.toThrow(message);
  });
});
