import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../../lib/cache/verified-token.cache.js';
import type { CognitoAuthConfig } from '../../lib/cognito-auth.config.js';
import type { CognitoJwtHeader } from '../../lib/interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../../lib/interfaces/cognito-user.interface.js';

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const header: CognitoJwtHeader = Object.freeze({ alg: 'RS256', kid: 'k1' });
const cacheOf = (tokenCacheMaxEntries: number) => new VerifiedTokenCache({ tokenCacheMaxEntries } as CognitoAuthConfig);
const userOf = (sub: string) => ({ sub, issuer: 'iss', claims: { sub, exp: 2_000_000_000 } }) as unknown as CognitoUser;
/** A token-shaped string whose signature ends with `ending` (by default, the name over and over). */
const token = (name: string, ending = name.repeat(12).slice(0, 12)) =>
  `eyJhbGciOiJSUzI1NiJ9.${name}.c2lnbmF0dXJl${ending}`;

describe('VerifiedTokenCache', () => {
  it('hands out an entry only for exactly the same token, also when the ends of two tokens match', () => {
    const cache = cacheOf(10);
    const genuine = token('genuine', 'sameEndingAA');
    const other = token('other', 'sameEndingAA');
    cache.set(genuine, userOf('a'), header, publicKey);
    expect(cache.get(genuine)?.user.sub).toBe('a');
    expect(cache.get(other)).toBeUndefined();
    expect(cache.get(`${genuine.slice(0, -1)}B`)).toBeUndefined();
    cache.delete(other);
    expect(cache.get(genuine)?.user.sub).toBe('a');
  });

  it('reads exp, nbf, the issuer and the kid from the user and the header', () => {
    const cache = cacheOf(10);
    cache.set(token('t'), userOf('a'), header, publicKey);
    expect(cache.get(token('t'))).toMatchObject({
      exp: 2_000_000_000,
      nbf: undefined,
      issuer: 'iss',
      kid: 'k1',
      key: publicKey,
    });
  });

  it('keeps every token while there is room; once full, a token from its second verification on', () => {
    const cache = cacheOf(3);
    for (const name of ['a', 'b', 'c']) cache.set(token(name), userOf(name), header, publicKey);
    expect(cache.size).toBe(3);
    cache.set(token('d'), userOf('d'), header, publicKey);
    expect(cache.get(token('d'))).toBeUndefined();
    expect(cache.get(token('a'))).toBeDefined(); // a is now the most recently used
    cache.set(token('d'), userOf('d'), header, publicKey);
    expect(cache.get(token('d'))?.user.sub).toBe('d');
    expect(cache.size).toBe(3);
    expect(cache.get(token('b'))).toBeUndefined(); // the least recently used made room
    expect(cache.get(token('a'))).toBeDefined();
  });

  it('keeps nothing with tokenCacheMaxEntries 0', () => {
    const cache = cacheOf(0);
    cache.set(token('a'), userOf('a'), header, publicKey);
    cache.set(token('a'), userOf('a'), header, publicKey);
    expect(cache.size).toBe(0);
    expect(cache.get(token('a'))).toBeUndefined();
  });
});
