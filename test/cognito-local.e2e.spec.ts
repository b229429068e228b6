// End to end against the REAL `cognito-local` emulator (one child process for the whole file,
// loopback only): tokens issued by InitiateAuth, verified by the sample app in process on both
// HTTP adapters, configured through the COGNITO_* variables.
import { CreateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CognitoLocalHandle,
  type CreatedPool,
  decodeJwt,
  isProcessAlive,
  JWKS_PATH,
  makeClient,
  signIn,
  type SignInTokens,
  startCognitoLocal,
  createPoolWithUsers,
} from '../scripts/lib/cognito-local.mjs';
import { emulatorEnv, type JwksProxy, startJwksProxy, startSampleAppFromEnv } from './support/emulator.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const PASSWORD = 'E2e-Passw0rd!';
const DEFAULT_CLOCK_TOLERANCE_S = 5; // the sample app does not set clockTolerance
const challenge = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;

/** A 401 of `description`, as `answerOf` reads it. */
const refused = (description: string) => ({ status: 401, challenge: challenge(description) });

let emulator: CognitoLocalHandle | undefined;
let proxy: JwksProxy | undefined;
let pool: CreatedPool & { secondClientId: string };
let otherPool: CreatedPool;
let shortClientId: string;
let alice: SignInTokens;
let bob: SignInTokens;
let aliceSecondClient: SignInTokens;
let aliceOtherPool: SignInTokens;

const subOf = (token: string) => decodeJwt(token).payload.sub as string;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  emulator = await startCognitoLocal();
  const { endpoint } = emulator;
  const created = await createPoolWithUsers(endpoint, {
    poolName: 'e2e-pool',
    extraClient: true,
    users: [
      { username: 'alice', password: PASSWORD, groups: ['admin'] },
      { username: 'bob', password: PASSWORD },
    ],
  });
  if (!created.secondClientId) throw new Error('createPoolWithUsers did not create the second client');
  pool = { ...created, secondClientId: created.secondClientId };
  otherPool = await createPoolWithUsers(endpoint, {
    poolName: 'other-pool',
    users: [{ username: 'alice', password: PASSWORD, groups: ['admin'] }],
  });
  // A third client of the main pool whose access tokens live one second.
  const client = makeClient(endpoint);
  try {
    const { UserPoolClient } = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: pool.userPoolId,
        ClientName: 'short-lived',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        AccessTokenValidity: 1,
        TokenValidityUnits: { AccessToken: 'seconds' },
      }),
    );
    shortClientId = UserPoolClient!.ClientId!;
  } finally {
    client.destroy();
  }
  [alice, bob, aliceSecondClient, aliceOtherPool] = await Promise.all([
    signIn(endpoint, { clientId: pool.clientId, username: 'alice', password: PASSWORD }),
    signIn(endpoint, { clientId: pool.clientId, username: 'bob', password: PASSWORD }),
    signIn(endpoint, { clientId: pool.secondClientId, username: 'alice', password: PASSWORD }),
    signIn(endpoint, { clientId: otherPool.clientId, username: 'alice', password: PASSWORD }),
  ]);
  proxy = await startJwksProxy(endpoint);
});

afterAll(async () => {
  await proxy?.close();
  const pid = emulator?.pid;
  await emulator?.stop(); // SIGTERM by pid, SIGKILL after 5 s, waits for the exit
  if (pid !== undefined && isProcessAlive(pid)) throw new Error(`cognito-local (pid ${pid}) is still alive`);
});

describe('the emulator issues what the tests rely on', () => {
  it('signs RS256 tokens with kid CognitoLocal, the pool issuer, client_id and no aud on access tokens', () => {
    const access = decodeJwt(alice.accessToken);
    expect(access.header).toMatchObject({ alg: 'RS256', kid: 'CognitoLocal' });
    expect(access.payload).toMatchObject({
      iss: pool.issuer,
      token_use: 'access',
      client_id: pool.clientId,
      username: 'alice',
      'cognito:groups': ['admin'],
    });
    expect(access.payload).not.toHaveProperty('aud');
    expect(decodeJwt(bob.accessToken).payload).not.toHaveProperty('cognito:groups');
    const id = decodeJwt(alice.idToken);
    expect(id.payload).toMatchObject({
      iss: pool.issuer,
      token_use: 'id',
      aud: pool.clientId,
      'cognito:username': 'alice',
    });
    expect(decodeJwt(aliceOtherPool.accessToken).payload.iss).toBe(otherPool.issuer);
    expect(otherPool.issuer).not.toBe(pool.issuer);
  });
});

describe.each(ADAPTERS)('sample app against cognito-local (%s)', (adapter) => {
  const apps = new Map<string, RunningApp>();
  const tag = (name: string) => `${adapter}-${name}`;
  const jwksUri = (name: string) => proxy!.url(tag(name), `/${pool.userPoolId}${JWKS_PATH}`);
  const start = async (name: string, env: Record<string, string> = {}) => {
    const app = await startSampleAppFromEnv(adapter, emulatorEnv(pool, { COGNITO_JWKS_URI: jwksUri(name), ...env }));
    apps.set(name, app);
    return app;
  };
  const url = (name: string, path: string) => `${apps.get(name)!.url}${path}`;
  /** Status, challenge and JSON body of GET `path` on the app started as `name`, with `token` as a bearer. */
  /** What every token of alice's from the first app client says about her. */
  const aliceOfFirstClient = () => ({ username: 'alice', groups: ['admin'], clientId: pool.clientId });
  const answerOf = async (name: string, path: string, token?: string) => {
    const res = await get(url(name, path), token === undefined ? {} : bearer(token));
    return { status: res.status, challenge: res.headers['www-authenticate'], body: res.json() as unknown };
  };

  beforeAll(async () => {
    await Promise.all([
      start('default'),
      start('id', { COGNITO_TOKEN_USE: 'id' }),
      start('any', { COGNITO_TOKEN_USE: 'any' }),
      start('both-clients', { COGNITO_CLIENT_ID: `${pool.clientId}, ${pool.secondClientId}` }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([...apps.values()].map((app) => app.close()));
  });

  it('GET /me with alice’s access token: 200 with the user object', async () => {
    expect(await answerOf('default', '/me', alice.accessToken)).toMatchObject({
      status: 200,
      body: {
        ...aliceOfFirstClient(),
        sub: subOf(alice.accessToken),
        tokenUse: 'access',
        scopes: ['aws.cognito.signin.user.admin'],
        userPoolId: pool.userPoolId,
        issuer: pool.issuer,
      },
    });
  });

  it('GET /me with bob’s access token: groups is []', async () => {
    expect(await answerOf('default', '/me', bob.accessToken)).toMatchObject({
      status: 200,
      body: { username: 'bob', groups: [], sub: subOf(bob.accessToken) },
    });
  });

  it('GET /me without a token: 401 with a bare Bearer challenge', async () => {
    expect(await answerOf('default', '/me')).toMatchObject({ status: 401, challenge: 'Bearer' });
  });

  it('GET /me/sub answers the token’s sub', async () => {
    const { status, body } = await answerOf('default', '/me/sub', alice.accessToken);
    expect({ status, body }).toEqual({ status: 200, body: { sub: subOf(alice.accessToken) } });
    expect(subOf(alice.accessToken)).not.toBe(subOf(bob.accessToken));
  });

  it('GET /admin: alice (group admin) 200, bob (no group) 403 without a challenge', async () => {
    const { status, body } = await answerOf('default', '/admin', alice.accessToken);
    expect({ status, body }).toEqual({ status: 200, body: { ok: true } });
    expect(await answerOf('default', '/admin', bob.accessToken)).toMatchObject({ status: 403, challenge: undefined });
  });

  it('GET /orders: 403 insufficient_scope (the emulator never issues orders/read)', async () => {
    expect(await answerOf('default', '/orders', alice.accessToken)).toMatchObject({
      status: 403,
      challenge: 'Bearer error="insufficient_scope", scope="orders/read"',
    });
  });

  it.each([
    ['alice’s ID token by default (token_use)', () => alice.idToken, 'The token_use claim must be access'],
    [
      'a token from a second pool of the same emulator (same key, other issuer)',
      () => aliceOtherPool.accessToken,
      'The token issuer is not accepted',
    ],
  ])('refuses %s', async (_name, token, description) => {
    expect(await answerOf('default', '/me', token())).toMatchObject(refused(description));
  });

  it('COGNITO_TOKEN_USE=id: accepts the ID token, refuses the access token', async () => {
    expect(await answerOf('id', '/me', alice.idToken)).toMatchObject({
      status: 200,
      body: { ...aliceOfFirstClient(), sub: subOf(alice.idToken), tokenUse: 'id', email: 'alice@example.com' },
    });
    expect(await answerOf('id', '/me', alice.accessToken)).toMatchObject(refused('The token_use claim must be id'));
  });

  it('COGNITO_TOKEN_USE=any: accepts both the access and the ID token', async () => {
    expect(await answerOf('any', '/me', alice.accessToken)).toMatchObject({
      status: 200,
      body: { username: 'alice', tokenUse: 'access' },
    });
    expect(await answerOf('any', '/me', alice.idToken)).toMatchObject({
      status: 200,
      body: { username: 'alice', tokenUse: 'id' },
    });
  });

  it('refuses a token of the second app client unless COGNITO_CLIENT_ID lists it', async () => {
    expect(await answerOf('default', '/me', aliceSecondClient.accessToken)).toMatchObject(
      refused('The token client_id is not an accepted client'),
    );
    expect(await answerOf('both-clients', '/me', aliceSecondClient.accessToken)).toMatchObject({
      status: 200,
      body: { username: 'alice', clientId: pool.secondClientId },
    });
    expect(await answerOf('both-clients', '/me', alice.accessToken)).toMatchObject({
      status: 200,
      body: { username: 'alice', clientId: pool.clientId },
    });
  });

  it('GET /optional: user populated with alice’s token, null without or with a foreign token', async () => {
    expect(await answerOf('default', '/optional', alice.accessToken)).toMatchObject({
      status: 200,
      body: { user: { username: 'alice', groups: ['admin'], tokenUse: 'access' } },
    });
    for (const token of [undefined, aliceOtherPool.accessToken]) {
      const { status, body } = await answerOf('default', '/optional', token);
      expect({ status, body }).toEqual({ status: 200, body: { user: null } });
    }
  });

  it('a cold key cache hit by 20 concurrent requests downloads the JWKS once', async () => {
    const app = await start('cold');
    expect(proxy!.count(tag('cold'))).toBe(0); // lazy: nothing fetched at boot
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => get(`${app.url}/me`, bearer(i % 2 ? alice.accessToken : bob.accessToken))),
    );
    expect(results.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(proxy!.count(tag('cold'))).toBe(1);
  });

  it('each app downloaded the JWKS exactly once across all its requests', async () => {
    // One more verified request per app, so that the count cannot be 0 when run alone.
    const checks: Array<[string, string]> = [
      ['default', alice.accessToken],
      ['id', alice.idToken],
      ['any', alice.idToken],
      ['both-clients', aliceSecondClient.accessToken],
    ];
    for (const [name, token] of checks) {
      expect((await get(url(name, '/me'), bearer(token))).status).toBe(200);
    }
    for (const [name] of checks)
      expect({ app: name, fetches: proxy!.count(tag(name)) }).toEqual({ app: name, fetches: 1 });
  });
});

describe('token expiry with a real emulator token (both adapters)', () => {
  const apps: RunningApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('a 1-second access token is accepted, then refused as expired once the 5 s tolerance has passed', async () => {
    for (const adapter of ADAPTERS) {
      apps.push(await startSampleAppFromEnv(adapter, emulatorEnv(pool, { COGNITO_CLIENT_ID: shortClientId })));
    }
    const short = await signIn(emulator!.endpoint, { clientId: shortClientId, username: 'alice', password: PASSWORD });
    const { iat, exp } = decodeJwt(short.accessToken).payload as { iat: number; exp: number };
    expect(exp - iat).toBe(1);
    for (const app of apps) {
      const res = await get(`${app.url}/me`, bearer(short.accessToken));
      expect(res.status).toBe(200); // verified and cached: the expiry below is checked on a cache hit
      expect(res.json()).toMatchObject({ username: 'alice', clientId: shortClientId });
    }
    const waitMs = (exp + DEFAULT_CLOCK_TOLERANCE_S) * 1000 + 250 - Date.now();
    expect(waitMs).toBeLessThanOrEqual(6_500);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
    for (const app of apps) {
      const res = await get(`${app.url}/me`, bearer(short.accessToken));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge('The token has expired'));
    }
  });
});
