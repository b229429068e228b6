import { type KeyObject, verify } from 'node:crypto';

/** The RS256 signature check of a compact JWS whose structure was already checked. */
export function hasValidRs256Signature(token: string, key: KeyObject): boolean {
  const lastDot = token.lastIndexOf('.');
  const signingInput = Buffer.from(token.slice(0, lastDot), 'latin1');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return verify('RSA-SHA256', signingInput, key, signature);
}
