/**
 * RSA keys a key set should never be trusted with, and tokens "signed" with them without the
 * usual private key:
 * - exponent 1: the RS256 signature of any message is its PKCS#1 v1.5 encoding, so anyone can
 *   forge one from the public key alone;
 * - a modulus over 8192 bits: built from many small primes (fast to generate, no 4096-bit
 *   prime search), so a valid signature can be computed with the CRT.
 */
import { createHash, createPublicKey, generateKeyPairSync, generatePrimeSync, verify } from 'node:crypto';
import { base64url } from 'nestjs-cognito-auth/testing';

/** DER prefix of a DigestInfo for SHA-256 (RFC 8017 §9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** EMSA-PKCS1-v1_5 encoding of SHA-256(`message`), `length` bytes long. */
export function pkcs1v15Sha256(message: Buffer, length: number): Buffer {
  const t = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(message).digest()]);
  return Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(length - t.length - 3, 0xff), Buffer.from([0x00]), t]);
}

const toBigInt = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex') || '0'}`);
function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return ((s0 % m) + m) % m;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** A JWK-ish RSA public key plus a function that produces valid RS256 signatures for it. */
export interface UnsafeKey {
  readonly jwk: { kty: 'RSA'; kid: string; alg: 'RS256'; use: 'sig'; n: string; e: string };
  readonly modulusBits: number;
  /** An RS256 signature of `signingInput` that verifies with `jwk` (checked with crypto.verify). */
  sign(signingInput: string): Buffer;
  /** Whether Node itself verifies `signature` over `signingInput` with this public key. */
  nodeVerifies(signingInput: string, signature: Buffer): boolean;
}

function publicKeyOf(jwk: UnsafeKey['jwk']) {
  return createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
}

/** The modulus of a real 2048-bit key with public exponent 1: signatures forge themselves. */
export function exponentOneKey(kid: string): UnsafeKey {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n } = publicKey.export({ format: 'jwk' }) as { n: string };
  const jwk = { kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e: base64url(Buffer.from([1])) } as const;
  const length = Buffer.from(n, 'base64url').length;
  return {
    jwk,
    modulusBits: 2048,
    // s^1 mod n = s: the encoded message itself is the signature (it is below n: it starts 0x0001).
    sign: (signingInput) => pkcs1v15Sha256(Buffer.from(signingInput), length),
    nodeVerifies: (signingInput, signature) => verify('sha256', Buffer.from(signingInput), publicKeyOf(jwk), signature),
  };
}

/**
 * A key whose modulus is the product of `primeCount` primes of `primeBits` bits, exponent 65537.
 * With `exactBits`, the last prime is sized (and drawn again) so that the modulus has exactly
 * that many bits.
 */
export function multiPrimeKey(
  kid: string,
  { primeCount = 17, primeBits = 512, exactBits }: { primeCount?: number; primeBits?: number; exactBits?: number } = {},
): UnsafeKey {
  const e = 65537n;
  const primes: bigint[] = [];
  const bitsOf = (value: bigint) => value.toString(2).length;
  const drawPrime = (bits: number): bigint => {
    for (;;) {
      const p = generatePrimeSync(bits, { bigint: true });
      if (gcd(e, p - 1n) === 1n && !primes.includes(p)) return p;
    }
  };
  const count = exactBits === undefined ? primeCount : primeCount - 1;
  while (primes.length < count) primes.push(drawPrime(primeBits));
  if (exactBits !== undefined) {
    const partial = primes.reduce((product, p) => product * p, 1n);
    for (let attempt = 0; primes.length < primeCount; attempt += 1) {
      if (attempt > 1_000) throw new Error(`could not build a ${exactBits}-bit modulus`);
      const last = drawPrime(exactBits - bitsOf(partial) + (attempt % 2));
      if (bitsOf(partial * last) === exactBits) primes.push(last);
    }
  }
  const n = primes.reduce((product, p) => product * p, 1n);
  const modulusBits = n.toString(2).length;
  const length = Math.ceil(modulusBits / 8);
  const jwk = {
    kty: 'RSA',
    kid,
    alg: 'RS256',
    use: 'sig',
    n: base64url(toBytes(n, length)),
    e: base64url(Buffer.from([0x01, 0x00, 0x01])),
  } as const;
  const sign = (signingInput: string): Buffer => {
    const m = toBigInt(pkcs1v15Sha256(Buffer.from(signingInput), length));
    // CRT: s = sum over primes of s_p * N_p * (N_p^-1 mod p), with s_p = m^(e^-1 mod p-1) mod p.
    let s = 0n;
    for (const p of primes) {
      const sp = modPow(m % p, modInverse(e, p - 1n), p);
      const np = n / p;
      s = (s + sp * np * modInverse(np % p, p)) % n;
    }
    return toBytes(s, length);
  };
  return {
    jwk,
    modulusBits,
    sign,
    nodeVerifies: (signingInput, signature) => verify('sha256', Buffer.from(signingInput), publicKeyOf(jwk), signature),
  };
}

/** A compact JWS over a header and a payload given as raw JSON text, signed with `key`. */
export function tokenWith(key: UnsafeKey, payloadJson: string): string {
  const signingInput = `${base64url(JSON.stringify({ kid: key.jwk.kid, alg: 'RS256' }))}.${base64url(payloadJson)}`;
  return `${signingInput}.${base64url(key.sign(signingInput))}`;
}
