import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CognitoAuthConfigError, CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { resolveCognitoAuthConfig } from '../../lib/cognito-auth.config.js';
import { isLoopbackHost } from '../../lib/loopback-host.js';

const POOL = { userPoolId: 'eu-west-1_AbCdEf123', clientId: 'client-1' } as const;

const onlyPool = (options: CognitoAuthOptions) => {
  const pools = [...resolveCognitoAuthConfig(options).poolsByIssuer.values()];
  expect(pools).toHaveLength(1);
  return pools[0]!;
};

function configError(options: unknown): string {
  try {
    resolveCognitoAuthConfig(options as CognitoAuthOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).name).toBe('CognitoAuthConfigError');
    return (error as Error).message;
  }
  throw new Error('the options were accepted');
}

describe('resolveCognitoAuthConfig: defaults', () => {
  it('clockTolerance 5 s, maxTokenLength 16384, jwksTimeoutMs 5000, jwksRefetchIntervalMs 10000, jwksMaxAgeMs 3600000, tokenCacheMaxEntries 10000', () => {
    const config = resolveCognitoAuthConfig(POOL);
    expect(config).toMatchObject({
      clockToleranceSeconds: 5,
      maxTokenLength: 16_384,
      jwksTimeoutMs: 5_000,
      jwksRefetchIntervalMs: 10_000,
      jwksMaxAgeMs: 3_600_000,
      tokenCacheMaxEntries: 10_000,
      preloadKeys: 'off',
    });
    expect(config.customCheck).toBeUndefined();
  });

  it('the JWKS fetch timeout default is at most 10 s', () => {
    expect(resolveCognitoAuthConfig(POOL).jwksTimeoutMs).toBeLessThanOrEqual(10_000);
  });

  it('accepts access tokens, the given client id, no resource audience', () => {
    const pool = onlyPool(POOL);
    expect(pool.tokenUse).toBe('access');
    expect([...pool.clientIds]).toEqual(['client-1']);
    expect([...pool.resourceAudiences]).toEqual([]);
  });

  it('derives the region from the pool id', () => {
    expect(onlyPool(POOL).region).toBe('eu-west-1');
    expect(onlyPool({ userPoolId: 'ap-southeast-2_x1', clientId: 'c' }).region).toBe('ap-southeast-2');
  });

  it('issuerFormat cognito-idp (default): https://cognito-idp.{region}.amazonaws.com/{pool} and its JWKS', () => {
    const expected = {
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
    };
    expect(onlyPool(POOL)).toMatchObject(expected);
    expect(onlyPool({ ...POOL, issuerFormat: 'cognito-idp' })).toMatchObject(expected);
  });

  it('issuerFormat issuer-cognito-idp: https://issuer-cognito-idp.{region}.amazonaws.com/{pool} and its JWKS', () => {
    expect(onlyPool({ ...POOL, issuerFormat: 'issuer-cognito-idp' })).toMatchObject({
      issuer: 'https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      jwksUri: 'https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
    });
  });

  it('an explicit region is used for the URLs of a pool id without a region prefix', () => {
    expect(onlyPool({ ...POOL, userPoolId: 'local_AbCdEf123', region: 'eu-central-1' })).toMatchObject({
      region: 'eu-central-1',
      issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/local_AbCdEf123',
    });
  });

  it('poolsByIssuer is keyed by the issuer', () => {
    const config = resolveCognitoAuthConfig(POOL);
    expect([...config.poolsByIssuer.keys()]).toEqual([
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    ]);
  });
});

describe('resolveCognitoAuthConfig: overrides', () => {
  it('issuer overrides the URL (kept exactly), jwksUri defaults to {issuer}/.well-known/jwks.json', () => {
    expect(onlyPool({ ...POOL, issuer: 'http://127.0.0.1:9229/local_pool' })).toMatchObject({
      issuer: 'http://127.0.0.1:9229/local_pool',
      jwksUri: 'http://127.0.0.1:9229/local_pool/.well-known/jwks.json',
    });
  });

  it('jwksUri overrides the key set URL, issuerFormat is ignored when issuer is set', () => {
    expect(
      onlyPool({
        ...POOL,
        issuer: 'https://idp.example.com/p',
        issuerFormat: 'issuer-cognito-idp',
        jwksUri: 'https://keys.example.com/k.json',
      }),
    ).toMatchObject({ issuer: 'https://idp.example.com/p', jwksUri: 'https://keys.example.com/k.json' });
  });

  it('clientId and clientIds are merged; resourceAudiences are kept', () => {
    const pool = onlyPool({
      ...POOL,
      clientIds: ['client-2', 'client-3'],
      resourceAudiences: ['https://api.example.com'],
    });
    expect([...pool.clientIds].sort()).toEqual(['client-1', 'client-2', 'client-3']);
    expect([...pool.resourceAudiences]).toEqual(['https://api.example.com']);
  });

  it('numeric options are taken as given', () => {
    const config = resolveCognitoAuthConfig({
      ...POOL,
      clockTolerance: 0,
      maxTokenLength: 4096,
      jwksTimeoutMs: 250,
      jwksRefetchIntervalMs: 0,
      jwksMaxAgeMs: 60_000,
      tokenCacheMaxEntries: 0,
    });
    expect(config).toMatchObject({
      clockToleranceSeconds: 0,
      maxTokenLength: 4096,
      jwksTimeoutMs: 250,
      jwksRefetchIntervalMs: 0,
      jwksMaxAgeMs: 60_000,
      tokenCacheMaxEntries: 0,
    });
  });

  it.each(['access', 'id', 'any'] as const)('tokenUse %s', (tokenUse) => {
    expect(onlyPool({ ...POOL, tokenUse }).tokenUse).toBe(tokenUse);
  });

  it('several pools: one entry per issuer, each with its own settings', () => {
    const config = resolveCognitoAuthConfig({
      userPools: [POOL, { userPoolId: 'us-east-1_Second', clientIds: ['c2'], tokenUse: 'id' }],
    });
    expect([...config.poolsByIssuer.values()].map((pool) => [pool.issuer, pool.tokenUse, [...pool.clientIds]])).toEqual(
      [
        ['https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123', 'access', ['client-1']],
        ['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Second', 'id', ['c2']],
      ],
    );
  });
});

describe('resolveCognitoAuthConfig: http JWKS only on loopback', () => {
  it.each([
    'http://127.0.0.1:9229/jwks.json',
    'http://127.8.9.10/jwks.json',
    'http://localhost:9229/jwks.json',
    'http://[::1]:9229/jwks.json',
    'https://example.com/jwks.json',
  ])('accepts %s', (jwksUri) => {
    expect(onlyPool({ ...POOL, jwksUri }).jwksUri).toBe(jwksUri);
  });

  it.each([
    ['http://example.com/jwks.json', 'http://example.com'],
    ['http://10.0.0.1/jwks.json', 'http://10.0.0.1'],
    ['http://127.0.0.1.nip.io/jwks.json', 'http://127.0.0.1.nip.io'],
    ['http://localhost.example.com/jwks.json', 'http://localhost.example.com'],
    ['http://0.0.0.0:80/jwks.json', 'http://0.0.0.0'],
    ['ftp://127.0.0.1/jwks.json', 'ftp://127.0.0.1'],
    ['file:///etc/jwks.json', 'file://'],
  ])('refuses %s', (jwksUri, shown) => {
    expect(configError({ ...POOL, jwksUri })).toBe(
      `CognitoAuthModule: jwksUri must use https (plain http is allowed for loopback hosts only), got ${shown} for pool eu-west-1_AbCdEf123`,
    );
  });

  it('refuses an http issuer on a non-loopback host when jwksUri is derived from it', () => {
    expect(configError({ ...POOL, issuer: 'http://idp.example.com/p' })).toMatch(/jwksUri must use https/);
  });
});

describe('resolveCognitoAuthConfig: invalid options', () => {
  const malformedPool = (got: string) => `userPoolId is missing or malformed (expected "<region>_<id>", got ${got})`;
  const ofPool = (problem: string) => `${problem} (pool eu-west-1_AbCdEf123)`;

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'options are required: forRoot({ region, userPoolId, clientId })'],
    ['missing userPoolId', { clientId: 'c' }, malformedPool('undefined')],
    ['a userPoolId without region prefix', { ...POOL, userPoolId: 'AbCdEf123' }, malformedPool('"AbCdEf123"')],
    ['a userPoolId with a path', { ...POOL, userPoolId: 'eu-west-1_x/../y' }, malformedPool('"eu-west-1_x/../y"')],
    ['no client id', { userPoolId: POOL.userPoolId }, 'clientId or clientIds is required for pool eu-west-1_AbCdEf123'],
    ['an empty client id', { ...POOL, clientId: ' ' }, ofPool('clientId values must be non-empty strings')],
    ['a malformed region', { ...POOL, region: 'EU WEST' }, 'region is malformed for pool eu-west-1_AbCdEf123'],
    ['an unknown tokenUse', { ...POOL, tokenUse: 'refresh' }, 'tokenUse must be one of access, id, any'],
    [
      'an unknown issuerFormat',
      { ...POOL, issuerFormat: 'cognito' },
      'issuerFormat must be "cognito-idp" or "issuer-cognito-idp"',
    ],
    ['an issuer that is not a URL', { ...POOL, issuer: 'cognito pool' }, ofPool('issuer is not a valid URL')],
    ['a negative clockTolerance', { ...POOL, clockTolerance: -1 }, 'clockTolerance must be a number >= 0'],
    ['a string clockTolerance', { ...POOL, clockTolerance: '5' }, 'clockTolerance must be a number >= 0'],
    ['a tiny maxTokenLength', { ...POOL, maxTokenLength: 10 }, 'maxTokenLength must be a number >= 64'],
    ['an infinite jwksTimeoutMs', { ...POOL, jwksTimeoutMs: Infinity }, 'jwksTimeoutMs must be a number >= 1'],
    ['a NaN jwksMaxAgeMs', { ...POOL, jwksMaxAgeMs: Number.NaN }, 'jwksMaxAgeMs must be a number >= 1'],
    ['a customCheck that is not a function', { ...POOL, customCheck: 'no' }, 'customCheck must be a function'],
    [
      'an unknown preloadKeys',
      { ...POOL, preloadKeys: 'yes' },
      'preloadKeys must be one of off, best-effort, required',
    ],
    [
      'userPools and userPoolId together',
      { ...POOL, userPools: [POOL] },
      'give either userPools or userPoolId, not both',
    ],
    ['an empty userPools', { userPools: [] }, 'userPools must be a non-empty array'],
    [
      'two pools with one issuer',
      { userPools: [POOL, { ...POOL, clientId: 'other' }] },
      'two user pools have the issuer https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    ],
  ])('%s', (_name, options, problem) => {
    expect(configError(options)).toBe(`CognitoAuthModule: ${problem}`);
  });
});

describe('resolveCognitoAuthConfig: unknown option names', () => {
  it('refuses a misspelt module option, naming it and the option it resembles', () => {
    expect(configError({ ...POOL, tokenCokie: 'id_token' })).toBe(
      'CognitoAuthModule: unknown option tokenCokie (did you mean tokenCookie?)',
    );
  });

  it('names every unknown option, with no suggestion when nothing is close', () => {
    expect(configError({ ...POOL, audience: 'x', clockTolerence: 5 })).toBe(
      'CognitoAuthModule: unknown options audience, clockTolerence (did you mean clockTolerance?)',
    );
  });

  it('refuses an unknown option even when its value is undefined (a typo is a typo)', () => {
    expect(configError({ ...POOL, jwksUrl: undefined })).toBe(
      'CognitoAuthModule: unknown option jwksUrl (did you mean jwksUri?)',
    );
  });

  it('refuses an unknown or module-level name inside a pool of userPools, naming its place', () => {
    expect(configError({ userPools: [POOL, { ...POOL, userPoolId: 'eu-west-1_Other', clientIDs: ['c'] }] })).toBe(
      'CognitoAuthModule: unknown option userPools[1].clientIDs (did you mean clientIds?)',
    );
    expect(configError({ userPools: [{ ...POOL, tokenCookie: 'id' }] })).toBe(
      'CognitoAuthModule: unknown option userPools[0].tokenCookie',
    );
  });

  it('accepts every documented option name', () => {
    const options: Required<CognitoAuthOptions> = {
      region: 'eu-west-1',
      userPoolId: POOL.userPoolId,
      clientId: 'c',
      clientIds: ['d'],
      tokenUse: 'access',
      resourceAudiences: ['https://api.example.com'],
      issuerFormat: 'cognito-idp',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
      jwks: undefined as never,
      userPools: undefined as never,
      issuerPattern: undefined as never,
      userPoolCacheTtlMs: undefined as never,
      userPoolCacheMaxEntries: undefined as never,
      userPoolResolveTimeoutMs: undefined as never,
      clockTolerance: 5,
      maxTokenLength: 16_384,
      globalGuard: true,
      customCheck: () => undefined,
      callbackTimeoutMs: 5_000,
      transformUser: () => null,
      transformUserMaxAgeMs: 300_000,
      transformUserTimeoutMs: 5_000,
      jwksTimeoutMs: 5_000,
      jwksRefetchIntervalMs: 10_000,
      jwksMaxAgeMs: 3_600_000,
      preloadKeys: 'off',
      tokenCacheMaxEntries: 10,
      revocation: {},
      fallbackPolicy: { groups: ['staff'] },
      tokenCookie: 'id_token',
      tokenExtractor: undefined as never,
      metrics: false,
    } as Required<CognitoAuthOptions>;
    const { jwks: _jwks, userPools: _pools, tokenExtractor: _extractor, ...accepted } = options;
    expect(() => resolveCognitoAuthConfig(accepted)).not.toThrow();
  });
});

describe('resolveCognitoAuthConfig: a region that contradicts the pool id', () => {
  it("refuses a region other than the pool id's prefix", () => {
    expect(configError({ ...POOL, region: 'us-east-1' })).toBe(
      'CognitoAuthModule: region "us-east-1" contradicts userPoolId "eu-west-1_AbCdEf123", a pool of eu-west-1: remove region or correct it',
    );
  });

  it("refuses it per pool inside userPools, naming the pool's place", () => {
    const pools = [POOL, { region: 'eu-west-1', userPoolId: 'ap-southeast-2_Other1', clientId: 'c' }];
    expect(configError({ userPools: pools })).toBe(
      'CognitoAuthModule: userPools[1].region "eu-west-1" contradicts userPools[1].userPoolId "ap-southeast-2_Other1", a pool of ap-southeast-2: remove region or correct it',
    );
  });

  it('accepts the matching region, and any region for an emulator pool id without a region prefix', () => {
    expect(onlyPool({ ...POOL, region: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(onlyPool({ userPoolId: 'local_4bCdEf12', region: 'us-east-1', clientId: 'c' }).region).toBe('us-east-1');
  });
});

describe('configuration mistakes fail the start-up, with forRoot and forRootAsync alike', () => {
  @Injectable()
  class AppSettings {
    readonly cognito: Record<string, unknown> = { ...POOL, tokenCokie: 'id_token' };
  }
  @Module({ providers: [AppSettings], exports: [AppSettings] })
  class SettingsModule {}

  async function startUp(cognito: ReturnType<typeof CognitoAuthModule.forRoot>): Promise<unknown> {
    try {
      const moduleRef = await Test.createTestingModule({ imports: [cognito] }).compile();
      await moduleRef.close();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  const typo = 'CognitoAuthModule: unknown option tokenCokie (did you mean tokenCookie?)';

  it('forRoot', async () => {
    const error = await startUp(CognitoAuthModule.forRoot({ ...POOL, tokenCokie: 'id_token' } as CognitoAuthOptions));
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toBe(typo);
  });

  it('forRootAsync with an injected factory (where TypeScript cannot see the typo)', async () => {
    const error = await startUp(
      CognitoAuthModule.forRootAsync({
        imports: [SettingsModule],
        inject: [AppSettings],
        useFactory: (settings: AppSettings) => settings.cognito as CognitoAuthOptions,
      }),
    );
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toBe(typo);
  });

  it('forRootAsync with a region that contradicts the pool id', async () => {
    const error = await startUp(
      CognitoAuthModule.forRootAsync({ useFactory: async () => ({ ...POOL, region: 'us-east-1' }) }),
    );
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toMatch(/^CognitoAuthModule: region "us-east-1" contradicts userPoolId/);
  });

  it('forRootAsync with valid options starts', async () => {
    expect(await startUp(CognitoAuthModule.forRootAsync({ useFactory: () => ({ ...POOL }) }))).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['128.0.0.1', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
