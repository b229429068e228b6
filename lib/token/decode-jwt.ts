import { InvalidTokenError } from '../errors/cognito-auth.errors.js';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Three non-empty base64url segments; one pass over the token, linear (no class matches a dot). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Unpadded base64url: a length of 4n+2 leaves 4 unused bits, 4n+3 leaves 2, 4n+1 is impossible. */
const UNUSED_BITS_BY_LENGTH_MOD_4 = [0, -1, 4, 2];

/** Splits and parses a compact JWS without trusting any of it. Throws `malformed` errors. */
export function decodeJwt(token: string): DecodedJwt {
  const { header, payload } = decodeJws(token);
  return { header, payload };
}

/** A compact JWS taken apart: `decodeJwt`'s result, the decoded signature, and where the dots are. */
export interface DecodedJws extends DecodedJwt, JwsDots {
  readonly signature: Buffer;
  /** True when `header` came from `knownHeader` rather than from parsing the token. */
  readonly headerWasKnown: boolean;
}

/**
 * `decodeJwt`, also returning the signature. `knownHeader(token, firstDot)` may return the
 * already parsed header of a header segment seen before; the segment is then not decoded again.
 */
export function decodeJws(
  token: string,
  knownHeader?: (token: string, firstDot: number) => Record<string, unknown> | undefined,
): DecodedJws {
  const dots = splitWellFormed(token);
  if (dots) {
    const { firstDot, lastDot } = dots;
    const signature = decodeSignature(token, lastDot);
    const known = signature && knownHeader?.(token, firstDot);
    const header = known ?? (signature && decodeJsonSegment(token, 0, firstDot));
    const payload = header && decodeJsonSegment(token, firstDot + 1, lastDot);
    if (payload) return { header: header!, payload, signature: signature!, firstDot, lastDot, headerWasKnown: !!known };
  }
  // Not (or maybe not) well formed: the reference decoding throws the precise error, or accepts
  // what the fast path could not read (such as a header segment 4n+1 characters long).
  const { header, payload } = decodeStrictly(token);
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return { header, payload, signature, firstDot, lastDot, headerWasKnown: false };
}

export interface JwsDots {
  readonly firstDot: number;
  readonly lastDot: number;
}

/**
 * Where the two dots of a well-formed compact JWS are: three non-empty segments of ASCII
 * characters without `+`, `/` or `=`, the last one canonical base64url (see below). Undefined
 * when the token is not, or might not be, well formed: `decodeStrictly` then has the last word.
 *
 * Whether every character is base64url is settled when a segment is decoded: with only ASCII
 * characters and none of `+ / =`, Node's decoder skips any other character, so the segment
 * decodes to fewer bytes than its length implies (`decodeSegment`). That replaces a regular
 * expression over the whole token, which costs several times more.
 */
function splitWellFormed(token: string): JwsDots | undefined {
  // Characters past U+007F are caught here: the decoder would read U+0141 as "A".
  if (Buffer.byteLength(token, 'utf8') !== token.length) return undefined;
  if (token.indexOf('+') !== -1 || token.indexOf('/') !== -1 || token.indexOf('=') !== -1) return undefined;
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot < 1 || lastDot <= firstDot + 1 || lastDot >= token.length - 1) return undefined;
  if (token.indexOf('.', firstDot + 1) !== lastDot) return undefined;
  if (!isCanonicalBase64url(token, lastDot + 1)) return undefined;
  return { firstDot, lastDot };
}

/**
 * base64url leaves unused low bits in the last character; several spellings decode to the
 * same signature. Only the canonical one is accepted, so one signature is one token (and one
 * entry of the verified-token cache).
 */
function isCanonicalBase64url(token: string, start: number): boolean {
  const unusedBits = UNUSED_BITS_BY_LENGTH_MOD_4[(token.length - start) % 4];
  if (unusedBits < 0) return false;
  const lastValue = BASE64URL_ALPHABET.indexOf(token[token.length - 1]);
  return (lastValue & ((1 << unusedBits) - 1)) === 0;
}

/**
 * Where segments are decoded: one token at a time, synchronously, so one buffer serves every
 * call and no decoded segment allocates a buffer of its own. Grown when a longer token comes.
 */
let scratch = Buffer.allocUnsafeSlow(4096);

/**
 * Decodes the base64url segment `token[start, end)` into `scratch` and returns how many bytes
 * it holds (valid until the next call), or -1 when a character was not base64url (see
 * `splitWellFormed`).
 */
function decodeSegment(token: string, start: number, end: number): number {
  const length = end - start;
  if (length % 4 === 1) return -1;
  const size = (length * 3) >> 2;
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * scratch.length));
  return scratch.write(token.slice(start, end), 0, 'base64url') === size ? size : -1;
}

/** The signature of a well-formed token, in a buffer of its own (it outlives the next decoding), or undefined. */
function decodeSignature(token: string, lastDot: number): Buffer | undefined {
  const length = token.length - lastDot - 1;
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return signature.length === (length * 3) >> 2 ? signature : undefined;
}

/** The JSON object a segment of a well-formed token encodes, or undefined (decodeStrictly says why). */
function decodeJsonSegment(token: string, start: number, end: number): Record<string, unknown> | undefined {
  const size = decodeSegment(token, start, end);
  if (size < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(scratch.toString('utf8', 0, size));
  } catch {
    return undefined;
  }
  return isJsonObject(value) ? value : undefined;
}

/** The reference decoding, with the precise error: any token the fast path above does not accept comes here. */
function decodeStrictly(token: string): DecodedJwt {
  if (!COMPACT_JWS.test(token)) {
    throw new InvalidTokenError('malformed', 'The token must be three base64url segments');
  }
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (!isCanonicalBase64url(token, lastDot + 1)) {
    throw new InvalidTokenError('malformed', 'The token signature is not canonical base64url');
  }
  return {
    header: parseJsonObject(token.slice(0, firstDot), 'header'),
    payload: parseJsonObject(token.slice(firstDot + 1, lastDot), 'payload'),
  };
}

function parseJsonObject(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isJsonObject(value)) {
    throw new InvalidTokenError('malformed', `The token ${part} is not a JSON object`);
  }
  return value;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
