import { createPublicKey, type KeyObject } from 'node:crypto';
import { RS256 } from '../cognito-auth.constants.js';

const MIN_MODULUS_BITS = 2048;

/**
 * Keeps the keys of a JWKS that can verify RS256 signatures: `kty` RSA, `use` absent or `sig`,
 * `alg` absent or RS256, a string `kid`, at least 2048 bits. jwks-rsa's own `getSigningKey()`
 * also accepts EC keys and any `alg`, hence this filter over its raw `getKeys()`.
 */
export function toRsaSigningKeys(keys: unknown): Map<string, KeyObject> {
  if (!Array.isArray(keys)) {
    throw new Error('the key set has no "keys" array');
  }
  const signingKeys = new Map<string, KeyObject>();
  for (const jwk of keys) {
    if (!isRsaSigningJwk(jwk) || signingKeys.has(jwk.kid)) continue;
    const key = toPublicKey(jwk);
    if (key) signingKeys.set(jwk.kid, key);
  }
  if (signingKeys.size === 0) {
    throw new Error('the key set has no usable RSA signing key');
  }
  return signingKeys;
}

interface RsaJwk {
  kty: 'RSA';
  kid: string;
  n: string;
  e: string;
}

function isRsaSigningJwk(jwk: unknown): jwk is RsaJwk {
  if (typeof jwk !== 'object' || jwk === null) return false;
  const { kty, kid, use, alg, n, e, key_ops: keyOps } = jwk as Record<string, unknown>;
  return (
    kty === 'RSA' &&
    typeof kid === 'string' &&
    kid.length > 0 &&
    (use === undefined || use === 'sig') &&
    (alg === undefined || alg === RS256) &&
    (keyOps === undefined || (Array.isArray(keyOps) && keyOps.includes('verify'))) &&
    typeof n === 'string' &&
    typeof e === 'string'
  );
}

function toPublicKey(jwk: RsaJwk): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= MIN_MODULUS_BITS ? key : undefined;
  } catch {
    return undefined;
  }
}
