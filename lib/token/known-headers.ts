import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import { deepFreeze } from './deep-freeze.js';

/**
 * A pool signs every token with one of a few keys, so its tokens carry one of a few header
 * segments, byte for byte. A header segment whose token had a valid signature is kept here with
 * its parsed, checked and frozen header, and later tokens that start with the same segment
 * skip decoding and checking it again. Parsing a header is a pure function of its text, so a
 * header found here is the one parsing would give. Only signed headers get in, and at most
 * `MAX_KNOWN_HEADERS`: once full, other headers are parsed every time.
 */
const MAX_KNOWN_HEADERS = 16;
const known: Array<{ readonly segment: string; readonly header: CognitoJwtHeader }> = [];

/** The header of a token whose header segment (`token[0, firstDot)`) is known. */
export function findKnownHeader(token: string, firstDot: number): CognitoJwtHeader | undefined {
  if (known.length === 0) return undefined;
  // A slice and one comparison: cheaper than startsWith on a token that is itself a slice.
  const segment = token.slice(0, firstDot);
  for (const entry of known) {
    if (entry.segment === segment) return entry.header;
  }
  return undefined;
}

/**
 * Freezes the header of a token whose signature is valid, and keeps its segment. Every header
 * handed on (to a custom check, in the cache) is frozen, known or not.
 */
export function rememberHeader(token: string, firstDot: number, header: CognitoJwtHeader): CognitoJwtHeader {
  if (Object.isFrozen(header)) return header; // found among the known headers
  deepFreeze(header);
  if (known.length < MAX_KNOWN_HEADERS && findKnownHeader(token, firstDot) === undefined) {
    // A copy: a slice would keep the whole request header string alive.
    known.push({ segment: Buffer.from(token.slice(0, firstDot), 'latin1').toString('latin1'), header });
  }
  return header;
}
