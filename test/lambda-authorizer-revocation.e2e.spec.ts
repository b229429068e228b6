/**
 * `createCognitoAuthorizer` with `revocation: { redis }` shares the deny-list of the Nest apps
 * on the same Redis: a session one of them revokes is refused by the authorizer (the gateway's
 * 401), its cached verification included; with `failurePolicy: 'refuse'` a Redis outage gives
 * an error the gateway answers 500, never an Allow. A real redis-server, real tokens.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CognitoRevocationService } from 'nestjs-cognito-auth';
import {
  type CognitoAuthorizer,
  type CognitoAuthorizerOptions,
  type CognitoAuthorizerPolicy,
  createCognitoAuthorizer,
  RevocationUnavailableError,
} from 'nestjs-cognito-auth/lambda';
import { authorizerTokenEvent, createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quietRedisClient, type RedisApp, RedisServer, startRedisApp, within } from './support/redis-server.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

let kit: CognitoTestKit;
let redis: RedisServer;

beforeAll(async () => {
  [kit, redis] = await Promise.all([createCognitoTestKit(), RedisServer.start()]);
});
afterAll(async () => {
  await redis?.stop();
  await kit?.close();
});

/**
 * The Redis clients of the authorizers a test creates. An authorizer lives as long as its
 * container and has no stop of its own: the test closes its client and the subscriber the
 * store duplicates from it.
 */
const clients: Redis[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

function trackedClient(url: string): Redis {
  const client = quietRedisClient(url);
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    copy.on('error', () => undefined);
    clients.push(copy);
    return copy;
  };
  clients.push(client);
  return client;
}

async function redisAuthorizer(
  url: string,
  revocation: Omit<NonNullable<CognitoAuthorizerOptions['revocation']>, 'redis' | 'store'> = {},
  options: Partial<CognitoAuthorizerOptions> = {},
): Promise<CognitoAuthorizer> {
  const authorizer = createCognitoAuthorizer({
    ...kit.moduleOptions(),
    ...options,
    revocation: { ...revocation, redis: trackedClient(url) },
  });
  await authorizer.ready;
  return authorizer;
}

/** What the authorizer does with `token`: its policy's effect, or the error it rejects with. */
async function answerTo(authorizer: CognitoAuthorizer, token: string): Promise<'Allow' | 'Deny' | Error> {
  const event = authorizerTokenEvent({ method: 'GET', path: '/orders', authorizationToken: `Bearer ${token}` });
  return authorizer(event).then(
    (result) => (result as CognitoAuthorizerPolicy).policyDocument.Statement[0]!.Effect as 'Allow' | 'Deny',
    (error: unknown) => error as Error,
  );
}

const isUnauthorized = (answer: 'Allow' | 'Deny' | Error) =>
  answer instanceof Error && Object.getPrototypeOf(answer) === Error.prototype && answer.message === 'Unauthorized';

describe('a session revoked by a Nest app on the same Redis is refused by the authorizer', () => {
  let app: RedisApp;
  beforeAll(async () => {
    app = await startRedisApp(kit, redis.url);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('its access and ID tokens get Error("Unauthorized"), a cached verification included; another session stays allowed', async () => {
    const authorizer = await redisAuthorizer(redis.url);
    const session = randomUUID();
    const access = kit.accessToken({ origin_jti: session });
    const idToken = kit.idToken({ origin_jti: session });
    const other = kit.accessToken({ origin_jti: randomUUID() });
    const idAuthorizer = await redisAuthorizer(redis.url, {}, { tokenUse: 'id' });
    expect(await answerTo(authorizer, access)).toBe('Allow'); // now in the authorizer's cache
    expect(await answerTo(idAuthorizer, idToken)).toBe('Allow');
    expect(await answerTo(authorizer, other)).toBe('Allow');

    await app.app.get(CognitoRevocationService).revokeSession({ origin_jti: session, exp: nowSeconds() + 3600 });
    await within(1_000, 'the authorizer learns the revocation', async () =>
      isUnauthorized(await answerTo(authorizer, access)),
    );
    expect(await answerTo(authorizer, other)).toBe('Allow');
    // An ID-token authorizer of the same pool: the session's ID token is refused as well.
    await within(1_000, 'the ID-token authorizer learns it too', async () =>
      isUnauthorized(await answerTo(idAuthorizer, idToken)),
    );
    expect(await answerTo(idAuthorizer, kit.idToken({ origin_jti: randomUUID() }))).toBe('Allow');
  });

  it('an authorizer started after the revocation loads it from Redis and refuses at its first event', async () => {
    const session = randomUUID();
    const token = kit.accessToken({ origin_jti: session });
    await app.app.get(CognitoRevocationService).revokeSession({ origin_jti: session, exp: nowSeconds() + 3600 });
    const authorizer = await redisAuthorizer(redis.url);
    expect(isUnauthorized(await answerTo(authorizer, token))).toBe(true);
  });
});

describe("Redis stopped under failurePolicy 'refuse': an error that is not Unauthorized, never an Allow", () => {
  let outage: RedisServer;
  beforeAll(async () => {
    outage = await RedisServer.start();
  });
  afterAll(async () => {
    await outage?.stop();
  });

  it('while Redis is down every valid token is answered with RevocationUnavailableError; once it is back, Allow again', async () => {
    const authorizer = await redisAuthorizer(outage.url, { failurePolicy: 'refuse' });
    const token = kit.accessToken();
    expect(await answerTo(authorizer, token)).toBe('Allow');

    await outage.kill();
    await within(
      2_000,
      'the authorizer notices the outage',
      async () => (await answerTo(authorizer, token)) !== 'Allow',
    );
    for (const each of [token, kit.accessToken(), kit.accessToken({ origin_jti: randomUUID() })]) {
      const answer = await answerTo(authorizer, each);
      expect(answer).toBeInstanceOf(RevocationUnavailableError);
      expect((answer as Error).message).not.toBe('Unauthorized');
    }

    await outage.restart();
    await within(10_000, 'the authorizer answers again', async () => (await answerTo(authorizer, token)) === 'Allow');
  });
});
