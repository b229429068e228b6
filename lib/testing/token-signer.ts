import { sign, type KeyObject } from 'node:crypto';

/**
 * Encodes bytes or a UTF-8 string as unpadded base64url (RFC 7515 §2).
 *
 * Useful for crafting malformed tokens by hand, e.g. an `alg: none` token:
 * `` `${base64url(JSON.stringify({ alg: 'none' }))}.${base64url('{}')}.` ``
 */
export function base64url(input: Uint8Array | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * Decodes one base64url segment of a JWT and parses it as JSON.
 * Throws when the segment is not valid JSON.
 *
 * @example decodeJwtPart(token.split('.')[1]) // the payload
 */
export function decodeJwtPart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Returns a copy of `record` without the properties whose value is `undefined`. */
export function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Whether `value` is a plain JSON-like object (not an array, string, buffer, null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Strings and bytes are encoded verbatim (so they can be non-JSON); anything else as JSON. */
function encodeSegment(value: unknown): string {
  if (typeof value === 'string' || value instanceof Uint8Array) return base64url(value);
  return base64url(JSON.stringify(value) ?? '');
}

/**
 * Produces a JWS compact serialization signed with RSASSA-PKCS1-v1_5 + SHA-256 (the RS256
 * signature), whatever the header claims: the header is data, so tests can lie in it.
 */
export function signJwt(header: unknown, payload: unknown, privateKey: KeyObject): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), privateKey);
  return `${signingInput}.${base64url(signature)}`;
}
