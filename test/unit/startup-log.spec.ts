import { generateKeyPairSync } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { CognitoAuthModule, type CognitoAuthOptions, type CognitoRevocationStore } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { resolveCognitoAuthConfig } from '../../lib/cognito-auth.config.js';
import { describeConfig } from '../../lib/cognito-startup-log.js';

const POOL = { userPoolId: 'eu-west-1_AbCdEf123', clientId: 'client-1' } as const;
const line = (options: CognitoAuthOptions) => describeConfig(resolveCognitoAuthConfig(options));

describe('the start-up line', () => {
  it('is logged once when the app starts, by the CognitoAuth logger', async () => {
    const logged: string[] = [];
    const keep = (level: string) => (message: unknown, context?: unknown) =>
      logged.push(`${level} ${message} ${context}`);
    const logger = { log: keep('log'), error: keep('error'), warn: keep('warn'), debug: keep('debug') };
    const moduleRef = await Test.createTestingModule({ imports: [CognitoAuthModule.forRoot({ ...POOL })] }).compile();
    const app = moduleRef.createNestApplication({ logger });
    await app.init();
    await app.close();
    const lines = logged.filter((entry) => entry.includes('Accepting pool eu-west-1_AbCdEf123 ('));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^log Accepting pool .* CognitoAuth$/);
  });

  it('names the pool, its issuer, clients, token use, where keys come from, the preload mode and the revocation store', () => {
    expect(line({ ...POOL, clientIds: ['client-2'] })).toBe(
      'Accepting pool eu-west-1_AbCdEf123 (issuer https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123, ' +
        'clients client-1 client-2, access tokens, ' +
        'keys from https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json); ' +
        'keys preloaded: off; revocation store: memory',
    );
  });

  it('lists several pools, ID tokens, and the options that change which requests pass', () => {
    const text = line({
      userPools: [POOL, { userPoolId: 'us-east-1_Shop1', clientId: 'web', tokenUse: 'any' }],
      preloadKeys: 'required',
      fallbackPolicy: { groups: ['staff'] },
      tokenCookie: '__Host-token',
    });
    expect(text).toMatch(
      /^Accepting 2 pools: eu-west-1_AbCdEf123 \(.*access tokens.*\), us-east-1_Shop1 \(.*access and ID tokens/,
    );
    expect(text).toMatch(
      /; keys preloaded: required; revocation store: memory; fallback policy: on; token cookie: __Host-token$/,
    );
  });

  it('says nothing secret: no key material, no credentials or query of a key-set URL', () => {
    const publicJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const inline = line({ ...POOL, jwks: { keys: [{ ...publicJwk, kid: 'k1', use: 'sig', alg: 'RS256' }] } });
    expect(inline).toContain('keys given (1)');
    expect(inline).not.toContain(publicJwk.n!.slice(0, 24));
    const remote = line({ ...POOL, jwksUri: 'https://user:s3cret@keys.example.com/jwks.json?sig=s3cret#x' });
    expect(remote).toContain('keys from https://keys.example.com/jwks.json)');
    expect(remote).not.toContain('s3cret');
  });

  it("names a store of the app by the store's own name", () => {
    const store: CognitoRevocationStore = {
      name: 'dynamodb',
      isCurrent: true,
      size: 0,
      isRevoked: () => false,
      add: () => Promise.resolve(),
    };
    expect(line({ ...POOL, revocation: { store } })).toMatch(/revocation store: dynamodb$/);
  });
});
