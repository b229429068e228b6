import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toRsaSigningKeys } from '../../lib/jwks/rsa-signing-keys.js';

const rsaJwk = (bits = 2048) => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
};
const key2048 = rsaJwk();
/** An odd number of the given size, as a JWK modulus: the filter must judge it by its size alone. */
const modulusOfBits = (bits: number) => {
  const bytes = randomBytes(bits / 8);
  bytes[0] |= 0x80;
  bytes[bytes.length - 1] |= 1;
  return bytes.toString('base64url');
};
const withKid = (kid: string, jwk: object) => ({ kid, ...jwk });

describe('which keys of a key set can verify tokens', () => {
  it('keeps RSA signing keys of 2048 to 8192 bits with an odd exponent of at least 3', () => {
    const keys = toRsaSigningKeys([
      withKid('good', key2048),
      withKid('sig-rs256', { ...key2048, use: 'sig', alg: 'RS256' }),
      withKid('max', { ...key2048, n: modulusOfBits(8192) }),
    ]);
    expect([...keys.keys()]).toEqual(['good', 'sig-rs256', 'max']);
  });

  it.each([
    ['exponent 1 (every message is its own signature)', { ...key2048, e: 'AQ' }],
    ['an even exponent', { ...key2048, e: 'AQAA' }],
    ['a 1024-bit modulus', rsaJwk(1024)],
    ['a modulus over 8192 bits', { ...key2048, n: modulusOfBits(16384) }],
    ['use "enc"', { ...key2048, use: 'enc' }],
    ['alg RS512', { ...key2048, alg: 'RS512' }],
    ['an EC key', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }],
  ])('ignores a key with %s', (_name, jwk) => {
    expect(() => toRsaSigningKeys([withKid('bad', jwk)])).toThrow('no usable RSA signing key');
    expect([...toRsaSigningKeys([withKid('bad', jwk), withKid('good', key2048)]).keys()]).toEqual(['good']);
  });

  it('keeps the key object of an unchanged key, and makes a new one when a kid gets other material', () => {
    const first = toRsaSigningKeys([withKid('a', key2048), withKid('b', key2048)]);
    const again = toRsaSigningKeys([withKid('a', key2048), withKid('b', rsaJwk())], first);
    expect(again.get('a')).toBe(first.get('a'));
    expect(again.get('b')).not.toBe(first.get('b'));
  });
});
