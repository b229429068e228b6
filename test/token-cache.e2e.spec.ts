import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../lib/cache/verified-token.cache.js';
import { MeController } from './support/fixture-app.js';
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
    expect(expired.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token has expired"',
    );
  });

  it('keys on the whole token: one character changed in the header, the payload or the signature is a miss', async () => {
    await setUp();
    const token = kit.accessToken();
    expect((await me(token)).status).toBe(200);
    const [header, payload] = token.split('.');
    const signatureStart = token.lastIndexOf('.') + 1;
    const positions = [
      5,
      header!.length + 1 + Math.floor(payload!.length / 2),
      signatureStart + 10,
      token.length - 2,
      token.length - 1,
    ];
    for (const position of positions) {
      const changed = token[position] === 'A' ? 'B' : 'A';
      const res = await me(`${token.slice(0, position)}${changed}${token.slice(position + 1)}`);
      expect(res.status, `character ${position} changed`).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    expect(cacheOf().size).toBe(1);
  });

  it('a token that ends like a cached one (its signature on other claims) is refused, and the cached one still serves', async () => {
    await setUp();
    const victim = kit.accessToken({ username: 'alice' });
    expect((await me(victim)).status).toBe(200);
    const [, , signature] = victim.split('.');
    const forgedHeaderAndPayload = kit.accessToken({ username: 'mallory' }).split('.').slice(0, 2).join('.');
    const forged = `${forgedHeaderAndPayload}.${signature}`;
    expect(forged.slice(-32)).toBe(victim.slice(-32));
    const res = await me(forged);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('The token signature is invalid');
    expect(cacheOf().get(forged)).toBeUndefined();
    expect(cacheOf().get(victim)?.user.username).toBe('alice');
    kit.setJwksBehaviour('error-500');
    const again = await me(victim);
    expect(again.status).toBe(200);
    expect(again.json().username).toBe('alice');
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
