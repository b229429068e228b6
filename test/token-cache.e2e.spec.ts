import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../lib/cache/verified-token.cache.js';
import { MeController } from '../sample-app/src/me.controller.js';
import { bearer, get } from './support/http.js';
import { type RunningApp, startApp } from './support/test-app.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('verified-token cache', () => {
  let kit: CognitoTestKit;
  let app: RunningApp;
  const cacheOf = () => app.app.get(VerifiedTokenCache);
  const me = (token: string) => get(`${app.url}/me`, bearer(token));

  async function setUp(options: Partial<CognitoAuthOptions> = {}) {
    kit = await createCognitoTestKit();
    app = await startApp({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })],
      controllers: [MeController],
    });
  }
  afterEach(async () => {
    await app?.close();
    await kit?.close();
  });

  it('a verified token is served from the cache: no key-set download, same user', async () => {
    await setUp();
    const token = kit.accessToken({ username: 'alice' });
    expect((await me(token)).status).toBe(200);
    kit.setJwksBehaviour('error-500');
    const again = await me(token);
    expect(again.status).toBe(200);
    expect(again.json().username).toBe('alice');
    expect(cacheOf().size).toBe(1);
    expect(kit.jwksRequestCount).toBe(1);
  });

  it('honours exp on a hit: a cached token is refused once it expires', async () => {
    await setUp({ clockTolerance: 0 });
    const token = kit.accessToken({ exp: nowSeconds() + 2 });
    expect((await me(token)).status).toBe(200);
    expect(cacheOf().size).toBe(1);
    await sleep(2_100 + (1000 - (Date.now() % 1000)));
    const expired = await me(token);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The token has expired"');
  });

  it('keys on the whole token: a token differing in one byte is a miss and is verified on its own', async () => {
    await setUp();
    const token = kit.accessToken();
    expect((await me(token)).status).toBe(200);
    const signatureStart = token.lastIndexOf('.') + 1;
    const flipped = token[signatureStart + 10] === 'A' ? 'B' : 'A';
    const oneByteOff = `${token.slice(0, signatureStart + 10)}${flipped}${token.slice(signatureStart + 11)}`;
    const res = await me(oneByteOff);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('The token signature is invalid');
    expect(cacheOf().size).toBe(1);
  });

  it('drops the entries of a key that leaves a refreshed key set', async () => {
    await setUp({ jwksRefetchIntervalMs: 0 });
    const oldToken = kit.accessToken();
    expect((await me(oldToken)).status).toBe(200);
    const newKey = kit.rotateKey();
    kit.publishKeys([newKey]);
    expect((await me(kit.accessToken())).status).toBe(200); // unknown kid: refetch, old key gone
    const res = await me(oldToken);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('is bounded by tokenCacheMaxEntries (least recently used out)', async () => {
    await setUp({ tokenCacheMaxEntries: 3 });
    for (let i = 0; i < 5; i += 1) expect((await me(kit.accessToken())).status).toBe(200);
    expect(cacheOf().size).toBe(3);
  });

  it('can be turned off with tokenCacheMaxEntries: 0: every request verifies', async () => {
    await setUp({ tokenCacheMaxEntries: 0 });
    const token = kit.accessToken();
    expect((await me(token)).status).toBe(200);
    expect(cacheOf().size).toBe(0);
    kit.setJwksBehaviour('error-500');
    kit.publishKeys([kit.generateKey()]);
    expect((await me(token)).status).toBe(200); // cached key, verified again
  });
});
