import { createPublicKey, type KeyObject } from 'node:crypto';
import { RS256 } from '../cognito-auth.constants.js';
import { KeySetError } from './key-set-error.js';

/** Below 2048 bits RSA is breakable; above 8192 nobody signs, and verifying gets slow. */
const MIN_MODULUS_BITS = 2048;
const MAX_MODULUS_BITS = 8192;
/** An exponent of 1 makes every message its own signature; even exponents are not RSA. */
const MIN_PUBLIC_EXPONENT = 3n;

/**
 * Keeps the keys of a JWKS that can verify RS256 signatures: `kty` RSA, `use` absent or `sig`,
 * `alg` absent or RS256, a string `kid`, a modulus of 2048 to 8192 bits and an odd exponent of
 * at least 3 (RFC 8017 §3.1). jwks-rsa's own `getSigningKey()` also accepts EC keys and any
 * `alg`, hence this filter over its raw `getKeys()`.
 *
 * A key whose material is unchanged keeps its `KeyObject` from `previous`: verified tokens are
 * remembered with the key object that verified them, so identity means "same key material".
 */
export function toRsaSigningKeys(keys: unknown, previous?: ReadonlyMap<string, KeyObject>): Map<string, KeyObject> {
  if (!Array.isArray(keys)) {
    throw new KeySetError('no_keys', 'the key set has no "keys" array');
  }
  const signingKeys = new Map<string, KeyObject>();
  for (const jwk of keys) {
    if (!isRsaSigningJwk(jwk) || signingKeys.has(jwk.kid)) continue;
    const key = toPublicKey(jwk);
    if (!key) continue;
    const known = previous?.get(jwk.kid);
    signingKeys.set(jwk.kid, known?.equals(key) ? known : key);
  }
  if (signingKeys.size === 0) {
    throw new KeySetError('no_keys', 'the key set has no usable RSA signing key');
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
    const { modulusLength = 0, publicExponent = 0n } = key.asymmetricKeyDetails ?? {};
    const safeModulus = modulusLength >= MIN_MODULUS_BITS && modulusLength <= MAX_MODULUS_BITS;
    const safeExponent = publicExponent >= MIN_PUBLIC_EXPONENT && publicExponent % 2n === 1n;
    return safeModulus && safeExponent ? key : undefined;
  } catch {
    return undefined;
  }
}
