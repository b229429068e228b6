import { describe, expect, it } from 'vitest';
import type { CognitoJwtHeader } from '../../lib/interfaces/cognito-jwt.interface.js';
import { findKnownHeader, rememberHeader } from '../../lib/token/known-headers.js';

const segmentOf = (header: object) => Buffer.from(JSON.stringify(header)).toString('base64url');

describe('known headers', () => {
  it('finds the header of a remembered segment, frozen, for any token that starts with exactly that segment', () => {
    const header = { kid: 'known-1', alg: 'RS256' } as CognitoJwtHeader;
    const segment = segmentOf(header);
    const first = `${segment}.payload-1.sig-1`;
    expect(findKnownHeader(first, segment.length)).toBeUndefined();
    expect(rememberHeader(first, segment.length, header)).toBe(header);
    expect(Object.isFrozen(header)).toBe(true);
    expect(findKnownHeader(`${segment}.payload-2.sig-2`, segment.length)).toBe(header);
  });

  it('does not match another segment, even one that only adds characters', () => {
    const header = { kid: 'known-2', alg: 'RS256' } as CognitoJwtHeader;
    const segment = segmentOf(header);
    rememberHeader(`${segment}.p.s`, segment.length, header);
    const longer = `${segment}AA`;
    expect(findKnownHeader(`${longer}.p.s`, longer.length)).toBeUndefined();
    const changed = `${segment.slice(0, -1)}${segment.endsWith('A') ? 'B' : 'A'}`;
    expect(findKnownHeader(`${changed}.p.s`, changed.length)).toBeUndefined();
  });

  it('freezes a header deeply, known or not', () => {
    const header = { kid: 'known-3', alg: 'RS256', x5c: ['a'] } as unknown as CognitoJwtHeader;
    const segment = segmentOf(header);
    rememberHeader(`${segment}.p.s`, segment.length, header);
    expect(Object.isFrozen((header as unknown as { x5c: string[] }).x5c)).toBe(true);
  });
});
