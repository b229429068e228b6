import { describe, expect, it, vi } from 'vitest';
import { type ResolvedUserPool, resolveCognitoAuthConfig } from '../lib/cognito-auth.config.js';
import type { CognitoAuthOptions } from '../lib/interfaces/cognito-auth-options.interface.js';
import { IssuerFilter } from '../lib/pools/cognito-issuer.js';
import { UserPoolCache } from '../lib/pools/user-pool-cache.js';

const resolver = () => null;

function configError(options: object): string {
  try {
    resolveCognitoAuthConfig(options as CognitoAuthOptions);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('issuers the resolver may be asked about', () => {
  const cognitoOnly = new IssuerFilter();

  it.each([
    'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    'https://issuer-cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC',
  ])('accepts Cognito’s form %s', (issuer) => {
    expect(cognitoOnly.accepts(issuer)).toBe(true);
  });

  it.each([
    ['another scheme', 'http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC'],
    ['another host', 'https://cognito-idp.eu-west-1.amazonaws.com.example.com/eu-west-1_AbC'],
    ['user info', 'https://cognito-idp.eu-west-1.amazonaws.com@example.com/eu-west-1_AbC'],
    ['a port', 'https://cognito-idp.eu-west-1.amazonaws.com:8443/eu-west-1_AbC'],
    ['a pool of another region', 'https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC'],
    ['a trailing slash', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/'],
    ['a longer path', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json'],
    ['a query', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC?x=1'],
    ['dots in the pool id', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_../x'],
    ['an upper-case host', 'https://COGNITO-IDP.eu-west-1.amazonaws.com/eu-west-1_AbC'],
    ['a line break', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC\n'],
    ['a pool id too long', `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_${'a'.repeat(41)}`],
  ])('refuses %s', (_, issuer) => {
    expect(cognitoOnly.accepts(issuer)).toBe(false);
  });

  it('also accepts what issuerPattern matches, the same way on every call (global flag)', () => {
    const filter = new IssuerFilter(/^http:\/\/127\.0\.0\.1:\d+\/local_\w+$/g);
    for (let call = 0; call < 3; call++) expect(filter.accepts('http://127.0.0.1:9229/local_Pool')).toBe(true);
    expect(filter.accepts('http://127.0.0.2:9229/local_Pool')).toBe(false);
  });

  it('refuses very long issuers without testing the pattern', () => {
    const pattern = /^.*$/;
    const test = vi.spyOn(RegExp.prototype, 'test');
    expect(new IssuerFilter(pattern).accepts(`https://${'a'.repeat(600)}`)).toBe(false);
    expect(test).not.toHaveBeenCalled();
    test.mockRestore();
  });
});

function pool(issuer: string): ResolvedUserPool {
  return { issuer, userPoolId: 'eu-west-1_P' } as ResolvedUserPool;
}

describe('the resolver’s answers: bounded and kept for a TTL', () => {
  it('keeps a pool and a "none" for ttlMs, then asks again', () => {
    const cache = new UserPoolCache({ ttlMs: 1_000, maxEntries: 10, onRelease: () => undefined });
    cache.setPool(pool('a'), 0);
    cache.setNone('b', 0);
    expect(cache.get('a', 999)).toEqual(pool('a'));
    expect(cache.get('b', 999)).toBeNull();
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.get('b', 1_000)).toBeUndefined();
    expect(cache.isLive('a', 999)).toBe(true);
    expect(cache.isLive('a', 1_000)).toBe(false);
    expect(cache.previous('a')).toEqual(pool('a'));
  });

  it('bounds pools and "none" answers separately: made-up issuers never evict a tenant', () => {
    const released: string[] = [];
    const cache = new UserPoolCache({ ttlMs: 60_000, maxEntries: 3, onRelease: (p) => released.push(p.issuer) });
    cache.setPool(pool('tenant'), 0);
    for (let i = 0; i < 300; i++) cache.setNone(`made-up-${i}`, 1);
    expect(cache.size).toEqual({ pools: 1, unknown: 3 });
    expect(cache.get('tenant', 2)).toEqual(pool('tenant'));
    expect(released).toEqual([]);
  });

  it('releases the oldest pool when full, expired pools as new answers arrive, and a pool answered none', () => {
    const released: string[] = [];
    const cache = new UserPoolCache({ ttlMs: 1_000, maxEntries: 2, onRelease: (p) => released.push(p.issuer) });
    cache.setPool(pool('a'), 0);
    cache.setPool(pool('b'), 10);
    cache.setPool(pool('c'), 20);
    expect(released).toEqual(['a']);
    cache.setPool(pool('d'), 1_015);
    expect(released).toEqual(['a', 'b']);
    cache.setNone('c', 1_016);
    expect(released).toEqual(['a', 'b', 'c']);
    expect(cache.size).toEqual({ pools: 1, unknown: 1 });
    cache.clear();
    expect(released).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('userPools as a resolver: configuration', () => {
  it('has no configured pools and the documented defaults', () => {
    const config = resolveCognitoAuthConfig({ userPools: resolver });
    expect(config.poolsByIssuer.size).toBe(0);
    expect(config.userPoolResolver).toMatchObject({
      resolve: resolver,
      cacheTtlMs: 300_000,
      cacheMaxEntries: 10_000,
      resolveTimeoutMs: 5_000,
    });
  });

  it('refuses the fields of one pool beside a resolver', () => {
    expect(configError({ userPools: resolver, userPoolId: 'eu-west-1_AbC', clientId: 'c' })).toBe(
      'CognitoAuthModule: give either a userPools resolver or the fields of one pool (userPoolId, clientId), not both',
    );
  });

  it('refuses the resolver’s options without a resolver', () => {
    expect(configError({ userPoolId: 'eu-west-1_AbC', clientId: 'c', userPoolCacheTtlMs: 1_000 })).toBe(
      'CognitoAuthModule: userPoolCacheTtlMs needs a userPools resolver (a function)',
    );
  });

  it('refuses an issuerPattern that is not a RegExp, and bad numbers', () => {
    expect(configError({ userPools: resolver, issuerPattern: '^http://localhost' })).toBe(
      'CognitoAuthModule: issuerPattern must be a RegExp',
    );
    expect(configError({ userPools: resolver, userPoolCacheMaxEntries: 0 })).toBe(
      'CognitoAuthModule: userPoolCacheMaxEntries must be a number >= 1',
    );
    expect(configError({ userPools: resolver, userPoolResolveTimeoutMs: -1 })).toBe(
      'CognitoAuthModule: userPoolResolveTimeoutMs must be a number >= 1',
    );
  });

  it('validates each answer like a pool of the options', () => {
    const { validate } = resolveCognitoAuthConfig({ userPools: resolver }).userPoolResolver!;
    expect(validate({ userPoolId: 'eu-west-1_AbC', clientId: 'c' })).toMatchObject({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json',
    });
    expect(() => validate({ userPoolId: 'eu-west-1_AbC', clientID: 'c' } as never)).toThrow(
      'unknown option userPools resolver answer: clientID (did you mean clientId?)',
    );
    expect(() =>
      validate({ userPoolId: 'eu-west-1_AbC', clientId: 'c', jwksUri: 'http://example.com/jwks.json' }),
    ).toThrow('jwksUri must use https');
  });
});
