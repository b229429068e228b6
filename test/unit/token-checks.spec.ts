import { InvalidTokenError } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { resolveCognitoAuthConfig, type ResolvedUserPool } from '../../lib/cognito-auth.config.js';
import type { CognitoTokenUse } from '../../lib/interfaces/cognito-auth-options.interface.js';
import type { CognitoJwtPayload } from '../../lib/interfaces/cognito-jwt.interface.js';
import {
  assertClaimTypes,
  assertClient,
  assertHeader,
  assertTimeWindow,
  assertTokenLength,
  assertTokenUse,
  findPool,
} from '../../lib/token/token-checks.js';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1';
const NOW = 1_700_000_000;

function pool(
  options: { tokenUse?: CognitoTokenUse; clientIds?: string[]; resourceAudiences?: string[] } = {},
): ResolvedUserPool {
  const config = resolveCognitoAuthConfig({
    userPoolId: 'us-east-1_TestPool1',
    clientIds: options.clientIds ?? ['client-1', 'client-2'],
    tokenUse: options.tokenUse,
    resourceAudiences: options.resourceAudiences ?? ['https://api.example.com'],
  });
  return [...config.poolsByIssuer.values()][0]!;
}

const access = (claims: Record<string, unknown> = {}) =>
  ({
    iss: ISSUER,
    sub: 's',
    token_use: 'access',
    client_id: 'client-1',
    exp: NOW + 60,
    ...claims,
  }) as CognitoJwtPayload;
const id = (claims: Record<string, unknown> = {}) =>
  ({ iss: ISSUER, sub: 's', token_use: 'id', aud: 'client-1', exp: NOW + 60, ...claims }) as CognitoJwtPayload;

/** The InvalidTokenError `check` throws, as { reason, description }. */
function refusal(check: () => void): { reason: string; description: string } {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    const { reason, description } = error as InvalidTokenError;
    return { reason, description };
  }
  throw new Error('the check passed');
}

describe('assertTokenLength', () => {
  it('accepts a token up to the maximum, refuses one character more', () => {
    expect(() => assertTokenLength('x'.repeat(100), 100)).not.toThrow();
    expect(refusal(() => assertTokenLength('x'.repeat(101), 100))).toEqual({
      reason: 'too_long',
      description: 'The token is longer than 100 characters',
    });
  });
});

describe('assertHeader', () => {
  it('accepts RS256 with a string kid, and unknown extra fields', () => {
    expect(() => assertHeader({ alg: 'RS256', kid: 'abc+/=', typ: 'JWT', x: 1 })).not.toThrow();
  });

  it.each([undefined, 'none', 'HS256', 'RS384', 'RS512', 'PS256', 'ES256', 'rs256', 'RS256 ', ['RS256'], null])(
    'refuses alg %j',
    (alg) => {
      expect(refusal(() => assertHeader({ alg, kid: 'k' }))).toEqual({
        reason: 'unsupported_algorithm',
        description: 'The token algorithm must be RS256',
      });
    },
  );

  it.each([[['exp']], [[]], ['exp'], [null]])('refuses a crit header (%j), present at all', (crit) => {
    expect(refusal(() => assertHeader({ alg: 'RS256', kid: 'k', crit }))).toEqual({
      reason: 'crit_header',
      description: 'The token has a crit header, which is not supported',
    });
  });

  it.each([undefined, null, 1, '', ['k'], { k: 1 }, 'k'.repeat(257)])('refuses kid %j', (kid) => {
    expect(refusal(() => assertHeader({ alg: 'RS256', kid }))).toEqual({
      reason: 'invalid_kid',
      description: 'The token kid header is missing or not a valid string',
    });
  });

  it('accepts a kid of 256 characters', () => {
    expect(() => assertHeader({ alg: 'RS256', kid: 'k'.repeat(256) })).not.toThrow();
  });

  it('checks alg before crit and kid', () => {
    expect(refusal(() => assertHeader({ alg: 'HS256', crit: ['x'] })).reason).toBe('unsupported_algorithm');
  });
});

describe('assertClaimTypes', () => {
  it('accepts Cognito access, ID and machine payloads with unknown claims', () => {
    expect(() =>
      assertClaimTypes({ ...access(), username: 'u', scope: 'a b', 'cognito:groups': ['g'], jti: 'j', x: { y: 1 } }),
    ).not.toThrow();
    expect(() =>
      assertClaimTypes({ ...id(), 'cognito:username': 'u', aud: ['client-1'], email: 'e', email_verified: true }),
    ).not.toThrow();
    expect(() => assertClaimTypes({ ...access(), version: 2, iat: NOW, auth_time: NOW, nbf: NOW })).not.toThrow();
  });

  it.each(['iss', 'sub', 'token_use', 'exp'])('requires %s', (claim) => {
    const payload: Record<string, unknown> = access();
    delete payload[claim];
    expect(refusal(() => assertClaimTypes(payload))).toEqual({
      reason: 'invalid_claim',
      description: `The token has no ${claim} claim`,
    });
  });

  it.each<[string, unknown]>([
    ['iss', 1],
    ['sub', 1],
    ['token_use', ['access']],
    ['exp', '1700000060'],
    ['exp', null],
    ['exp', true],
    ['nbf', '1'],
    ['iat', {}],
    ['auth_time', '1'],
    ['client_id', 1],
    ['aud', 1],
    ['aud', []],
    ['aud', ['client-1', 1]],
    ['username', null],
    ['cognito:username', 1],
    ['cognito:groups', 'admin'],
    ['cognito:groups', [1]],
    ['cognito:groups', null],
    ['scope', ['a']],
  ])('refuses %s = %j', (claim, value) => {
    expect(refusal(() => assertClaimTypes(access({ [claim]: value })))).toEqual({
      reason: 'invalid_claim',
      description: `The token ${claim} claim has the wrong type`,
    });
  });

  it('accepts a fractional exp and an empty groups array', () => {
    expect(() => assertClaimTypes(access({ exp: NOW + 0.5, 'cognito:groups': [] }))).not.toThrow();
  });
});

describe('assertTimeWindow', () => {
  const expired = { reason: 'expired', description: 'The token has expired' };
  const notYet = { reason: 'not_yet_valid', description: 'The token is not valid yet' };

  it('accepts until exp + tolerance, refuses from exp + tolerance on', () => {
    expect(() => assertTimeWindow({ exp: NOW }, 5, NOW + 4.999)).not.toThrow();
    expect(refusal(() => assertTimeWindow({ exp: NOW }, 5, NOW + 5))).toEqual(expired);
    expect(refusal(() => assertTimeWindow({ exp: NOW }, 0, NOW))).toEqual(expired);
    expect(() => assertTimeWindow({ exp: NOW }, 0, NOW - 0.001)).not.toThrow();
  });

  it('honours nbf with the same tolerance', () => {
    expect(() => assertTimeWindow({ exp: NOW + 60, nbf: NOW + 5 }, 5, NOW)).not.toThrow();
    expect(refusal(() => assertTimeWindow({ exp: NOW + 60, nbf: NOW + 5.001 }, 5, NOW))).toEqual(notYet);
    expect(refusal(() => assertTimeWindow({ exp: NOW + 60, nbf: NOW + 1 }, 0, NOW))).toEqual(notYet);
    expect(() => assertTimeWindow({ exp: NOW + 60, nbf: NOW }, 0, NOW)).not.toThrow();
  });

  it('ignores an absent nbf', () => {
    expect(() => assertTimeWindow({ exp: NOW + 1 }, 0, NOW)).not.toThrow();
  });
});

describe('findPool', () => {
  const pools = resolveCognitoAuthConfig({ userPoolId: 'us-east-1_TestPool1', clientId: 'c' }).poolsByIssuer;

  it('finds the pool by exact issuer', () => {
    expect(findPool(access(), pools).userPoolId).toBe('us-east-1_TestPool1');
  });

  it.each([
    `${ISSUER}/`,
    ISSUER.toUpperCase(),
    ISSUER.replace('https', 'http'),
    'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1',
  ])('refuses issuer %s', (iss) => {
    expect(refusal(() => findPool(access({ iss }), pools))).toEqual({
      reason: 'unknown_issuer',
      description: 'The token issuer is not accepted',
    });
  });
});

describe('assertTokenUse', () => {
  it.each<[CognitoTokenUse, string, boolean]>([
    ['access', 'access', true],
    ['access', 'id', false],
    ['id', 'id', true],
    ['id', 'access', false],
    ['any', 'access', true],
    ['any', 'id', true],
    ['any', 'refresh', false],
  ])('pool tokenUse %s, token_use %s → accepted %s', (tokenUse, tokenUseClaim, accepted) => {
    const check = () => assertTokenUse(access({ token_use: tokenUseClaim }), pool({ tokenUse }));
    if (accepted) {
      expect(check).not.toThrow();
    } else {
      expect(refusal(check)).toEqual({
        reason: 'wrong_token_use',
        description: `The token_use claim must be ${tokenUse === 'any' ? 'access or id' : tokenUse}`,
      });
    }
  });
});

describe('assertClient', () => {
  const wrongClient = { reason: 'wrong_client', description: 'The token client_id is not an accepted client' };
  const wrongAccessAud = { reason: 'wrong_audience', description: 'The token audience is not accepted' };
  const wrongIdAud = { reason: 'wrong_audience', description: 'The token audience is not an accepted client' };

  it('access token: client_id must be a configured client id; aud is not needed', () => {
    expect(() => assertClient(access(), pool())).not.toThrow();
    expect(() => assertClient(access({ client_id: 'client-2' }), pool())).not.toThrow();
    expect(refusal(() => assertClient(access({ client_id: 'client-3' }), pool()))).toEqual(wrongClient);
    expect(refusal(() => assertClient(access({ client_id: undefined }), pool()))).toEqual(wrongClient);
    expect(refusal(() => assertClient(access({ client_id: undefined, aud: 'client-1' }), pool()))).toEqual(wrongClient);
  });

  it('access token: an aud, when present, must be a client id or a resource audience', () => {
    expect(() => assertClient(access({ aud: 'client-1' }), pool())).not.toThrow();
    expect(() => assertClient(access({ aud: 'client-2' }), pool())).not.toThrow();
    expect(() => assertClient(access({ aud: 'https://api.example.com' }), pool())).not.toThrow();
    expect(() => assertClient(access({ aud: ['other', 'https://api.example.com'] }), pool())).not.toThrow();
    expect(refusal(() => assertClient(access({ aud: 'other' }), pool()))).toEqual(wrongAccessAud);
    expect(refusal(() => assertClient(access({ aud: ['https://api.example.com/'] }), pool()))).toEqual(wrongAccessAud);
  });

  it('ID token: aud must be a configured client id (not a resource audience, not client_id)', () => {
    expect(() => assertClient(id(), pool())).not.toThrow();
    expect(() => assertClient(id({ aud: ['x', 'client-2'] }), pool())).not.toThrow();
    expect(refusal(() => assertClient(id({ aud: 'client-3' }), pool()))).toEqual(wrongIdAud);
    expect(refusal(() => assertClient(id({ aud: 'https://api.example.com' }), pool()))).toEqual(wrongIdAud);
    expect(refusal(() => assertClient(id({ aud: undefined, client_id: 'client-1' }), pool()))).toEqual(wrongIdAud);
  });
});
