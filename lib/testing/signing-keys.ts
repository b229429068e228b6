import { generateKeyPair, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The default RSA modulus length, the one Cognito uses. */
export const DEFAULT_MODULUS_LENGTH = 2048;

/** A public key as a Cognito JWKS serves it. */
export interface PublicJwk {
  readonly kid: string;
  readonly alg: 'RS256';
  readonly kty: 'RSA';
  readonly e: string;
  readonly n: string;
  readonly use: 'sig';
}

/** An RSA key pair the kit can sign with, and its public JWK. */
export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/** Options for generating a signing key. */
export interface GenerateKeyOptions {
  /** Key id; default: 32 random bytes in base64, like Cognito's kids (may contain `+`, `/`, `=`). */
  kid?: string;
  /** RSA modulus length in bits; default 2048. Other sizes are generated on the spot (slow). */
  modulusLength?: number;
}

interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function randomKid(): string {
  return randomBytes(32).toString('base64');
}

function toPublicJwk(kid: string, publicKey: KeyObject): PublicJwk {
  const { e, n } = publicKey.export({ format: 'jwk' });
  if (typeof e !== 'string' || typeof n !== 'string') throw new Error('Not an RSA public key');
  return { kid, alg: 'RS256', kty: 'RSA', e, n, use: 'sig' };
}

function toSigningKey(pair: RsaKeyPair, kid: string = randomKid()): TestSigningKey {
  return { kid, ...pair, publicJwk: toPublicJwk(kid, pair.publicKey) };
}

function generatePairAsync(modulusLength: number): Promise<RsaKeyPair> {
  return generateKeyPairAsync('rsa', { modulusLength });
}

/**
 * Hands out RSA-2048 key pairs. Generating one costs ~50-100 ms of CPU, so a few spare pairs
 * are generated in the background (libuv thread pool) and taken synchronously when needed;
 * when the pool is empty, `take` generates synchronously.
 */
export class RsaKeyPool {
  private readonly spares: RsaKeyPair[] = [];
  private refilling = 0;
  private closed = false;

  constructor(private readonly size: number) {}

  /** Generates a first key off the main thread, then starts filling the pool in the background. */
  async createFirstKey(opts: GenerateKeyOptions = {}): Promise<TestSigningKey> {
    const first = await generatePairAsync(opts.modulusLength ?? DEFAULT_MODULUS_LENGTH);
    void this.refill();
    return toSigningKey(first, opts.kid);
  }

  /** Returns a fresh key synchronously, from the pool when possible. */
  take(opts: GenerateKeyOptions = {}): TestSigningKey {
    const modulusLength = opts.modulusLength ?? DEFAULT_MODULUS_LENGTH;
    if (modulusLength !== DEFAULT_MODULUS_LENGTH) {
      return toSigningKey(generateKeyPairSync('rsa', { modulusLength }), opts.kid);
    }
    const pair = this.spares.shift() ?? generateKeyPairSync('rsa', { modulusLength });
    void this.refill();
    return toSigningKey(pair, opts.kid);
  }

  /** Stops background generation. */
  close(): void {
    this.closed = true;
    this.spares.length = 0;
  }

  private async refill(): Promise<void> {
    const missing = this.size - this.spares.length - this.refilling;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.addSpare()));
  }

  private async addSpare(): Promise<void> {
    this.refilling += 1;
    try {
      const pair = await generatePairAsync(DEFAULT_MODULUS_LENGTH);
      if (!this.closed) this.spares.push(pair);
    } catch {
      // A spare is an optimisation only: `take` falls back to synchronous generation.
    } finally {
      this.refilling -= 1;
    }
  }
}
