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
  if (!COMPACT_JWS.test(token)) {
    throw new InvalidTokenError('malformed', 'The token must be three base64url segments');
  }
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (!isCanonicalBase64url(token.slice(lastDot + 1))) {
    throw new InvalidTokenError('malformed', 'The token signature is not canonical base64url');
  }
  return {
    header: parseJsonObject(token.slice(0, firstDot), 'header'),
    payload: parseJsonObject(token.slice(firstDot + 1, lastDot), 'payload'),
  };
}

/**
 * base64url leaves unused low bits in the last character; several spellings decode to the
 * same signature. Only the canonical one is accepted, so one signature is one token (and one
 * entry of the verified-token cache).
 */
function isCanonicalBase64url(segment: string): boolean {
  const unusedBits = UNUSED_BITS_BY_LENGTH_MOD_4[segment.length % 4];
  if (unusedBits < 0) return false;
  const lastValue = BASE64URL_ALPHABET.indexOf(segment[segment.length - 1]);
  return (lastValue & ((1 << unusedBits) - 1)) === 0;
}

function parseJsonObject(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTokenError('malformed', `The token ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
