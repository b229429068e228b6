import { type KeyObject, verify } from 'node:crypto';
import { InvalidTokenError } from '../errors/cognito-auth.errors.js';
import type { InspectedToken } from './inspect-token.js';
import { rememberHeader } from './known-headers.js';

/**
 * Where the signing input is copied for `crypto.verify`: one token at a time, synchronously,
 * so one buffer serves every call. Grown when a longer token comes. The view handed to
 * `crypto.verify` is kept while tokens have the same length, as tokens of one pool mostly do.
 */
let signingInput = Buffer.allocUnsafeSlow(4096);
let signingInputView = signingInput.subarray(0, 0);

/** The RS256 signature check of a compact JWS whose structure was already checked (ASCII, two dots). */
export function hasValidRs256Signature(
  token: string,
  key: KeyObject,
  signature?: Buffer,
  lastDot = token.lastIndexOf('.'),
): boolean {
  if (signingInput.length < lastDot) {
    signingInput = Buffer.allocUnsafeSlow(Math.max(lastDot, 2 * signingInput.length));
    signingInputView = signingInput.subarray(0, 0);
  }
  const written = signingInput.write(token, 0, lastDot, 'latin1');
  if (signingInputView.length !== written) signingInputView = signingInput.subarray(0, written);
  return verify('RSA-SHA256', signingInputView, key, signature ?? Buffer.from(token.slice(lastDot + 1), 'base64url'));
}

/**
 * Throws `invalid_signature` unless `key` verifies the inspected token. Once it does, the
 * token's header is frozen and its segment remembered (known-headers.ts).
 */
export function assertValidSignature(token: string, inspected: InspectedToken, key: KeyObject): void {
  if (!hasValidRs256Signature(token, key, inspected.signature, inspected.lastDot)) {
    throw new InvalidTokenError('invalid_signature', 'The token signature is invalid');
  }
  rememberHeader(token, inspected.firstDot, inspected.header);
}
