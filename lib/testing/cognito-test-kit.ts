import {
  defaultAccessClaims,
  defaultIdClaims,
  defaultMachineClaims,
  nowInSeconds,
  type ClaimContext,
} from './cognito-claims.js';
import { COGNITO_KEY_OVERRIDES, type CognitoKeyOverride } from '../jwks/key-overrides.js';
import { JwksTestServer, type JwksBehaviour } from './jwks-test-server.js';
import { RsaKeyPool, type GenerateKeyOptions, type TestSigningKey } from './signing-keys.js';
import { isPlainObject, signJwt, withoutUndefined } from './token-signer.js';

/** Options of {@link createCognitoTestKit}. */
export interface CognitoTestKitOptions {
  /** AWS region; default: the prefix of `userPoolId` (`'us-east-1'` without one). */
  region?: string;
  /**
   * The user pool to impersonate: give your app's pool id, and tokens carry that pool's real
   * Cognito issuer. Default `'us-east-1_TestPool1'`, a pool of the kit's own (see `issuer`).
   */
  userPoolId?: string;
  /** App client id put in `client_id` / `aud`; give your app's. Default `'test-client-id'`. */
  clientId?: string;
  /** Loopback host the JWKS server listens on; default `'127.0.0.1'`. Anything else throws. */
  host?: string;
  /**
   * The `iss` of minted tokens. Default: with `userPoolId`, the pool's Cognito issuer
   * `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`; without, a cognito-local style
   * `http://HOST:PORT/<userPoolId>`. Set it when your app configures an `issuer` of its own.
   * The JWKS is always served at `http://HOST:PORT/<userPoolId>/.well-known/jwks.json`.
   */
  issuer?: string;
}

/** Options of {@link CognitoTestKit.overrideKeys}. */
export interface CognitoOverrideKeysOptions {
  /**
   * `'url'` (default): the app downloads the kit's keys from its loopback JWKS URL, as it
   * downloads a real pool's. `'inline'`: the app gets the kit's current key set directly.
   */
  jwks?: 'url' | 'inline';
}

/**
 * What {@link CognitoTestKit.overrideKeys} needs of a testing module builder: Nest's
 * `TestingModuleBuilder` (from `Test.createTestingModule`) is one, on Nest 11 and 12.
 */
export interface CognitoOverridableBuilder<TBuilder> {
  overrideProvider(token: any): { useValue(value: any): TBuilder };
}

/** Options of the token-minting methods. */
export interface SignOptions {
  /**
   * Merged over the default header `{ kid: <signing key's kid>, alg: 'RS256' }`; a field set to
   * `undefined` is removed. The signature is RS256 whatever `alg` says.
   */
  header?: Record<string, unknown>;
  /** Sign with this key instead of {@link CognitoTestKit.currentKey}; its kid goes in the header. */
  key?: TestSigningKey;
  /** Sets `exp = iat + expiresIn` (seconds; negative for an expired token), overriding any `exp`. */
  expiresIn?: number;
}

/** What {@link CognitoTestKit.moduleOptions} returns: spread it into `CognitoAuthModule.forRoot`. */
export interface CognitoTestKitModuleOptions {
  region: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUri: string;
}

/**
 * What `moduleOptions({ jwks: 'inline' })` returns: the kit's key set itself instead of its URL,
 * so the module never downloads keys.
 */
export interface CognitoTestKitInlineModuleOptions {
  region: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwks: { keys: Array<Record<string, unknown>> };
}

/** Options of {@link CognitoTestKit.moduleOptions}. */
export interface CognitoTestKitModuleOptionsRequest {
  /**
   * `'url'` (default): the module downloads the keys from the kit's JWKS endpoint, as it does
   * from Cognito. `'inline'`: the module gets the published key set directly and downloads
   * nothing; keys published or rotated afterwards are not seen.
   */
  jwks?: 'url' | 'inline';
}

const DEFAULTS = {
  region: 'us-east-1',
  userPoolId: 'us-east-1_TestPool1',
  clientId: 'test-client-id',
  host: '127.0.0.1',
} as const;

/** The kit's pools per testing module builder, so that several kits can override one app's keys. */
const keyOverridesOf = new WeakMap<object, CognitoKeyOverride[]>();

/** The region of a Cognito pool id is its prefix (`eu-west-1_AbC` is a pool of eu-west-1). */
function regionOf(userPoolId: string): string | undefined {
  const prefix = userPoolId.slice(0, userPoolId.indexOf('_'));
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(prefix) ? prefix : undefined;
}

/** Spare RSA key pairs kept ready so that `generateKey`/`rotateKey` are fast. */
const KEY_POOL_SIZE = 1;

function isSigningKey(key: TestSigningKey | Record<string, unknown>): key is TestSigningKey {
  return 'privateKey' in key && 'publicJwk' in key;
}

function mergeClaims(defaults: Record<string, unknown>, claims: Record<string, unknown>): Record<string, unknown> {
  return withoutUndefined({ ...defaults, ...claims });
}

function withExpiry(payload: unknown, expiresIn: number | undefined): unknown {
  if (expiresIn === undefined) return payload;
  if (!isPlainObject(payload)) throw new TypeError('expiresIn needs an object payload');
  const iat = typeof payload.iat === 'number' ? payload.iat : nowInSeconds();
  return { ...payload, exp: iat + expiresIn };
}

/**
 * A fake Cognito user pool for tests: mints Cognito-shaped tokens signed with real RSA keys and
 * serves the public keys from a loopback JWKS endpoint, so tokens go through the module's real
 * signature check. Create it with {@link createCognitoTestKit}; always {@link close} it.
 */
export class CognitoTestKit {
  /** The `iss` of minted tokens. */
  readonly issuer: string;
  /** Where the JWKS is served: `http://HOST:PORT/<userPoolId>/.well-known/jwks.json`. */
  readonly jwksUri: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  private current: TestSigningKey;

  private constructor(
    private readonly server: JwksTestServer,
    private readonly keyPool: RsaKeyPool,
    config: Omit<CognitoTestKitModuleOptions, 'jwksUri'>,
    firstKey: TestSigningKey,
  ) {
    this.issuer = config.issuer;
    this.jwksUri = server.jwksUri;
    this.region = config.region;
    this.userPoolId = config.userPoolId;
    this.clientId = config.clientId;
    this.current = firstKey;
    this.publishKeys([firstKey]);
  }

  /** @internal Use {@link createCognitoTestKit}. */
  static async create(options: CognitoTestKitOptions = {}): Promise<CognitoTestKit> {
    const userPoolId = options.userPoolId ?? DEFAULTS.userPoolId;
    const poolRegion = regionOf(userPoolId);
    const region = options.region ?? poolRegion ?? DEFAULTS.region;
    if (poolRegion !== undefined && region !== poolRegion) {
      throw new TypeError(`region ${region} contradicts userPoolId ${userPoolId}, a pool of ${poolRegion}`);
    }
    const clientId = options.clientId ?? DEFAULTS.clientId;
    const host = options.host ?? DEFAULTS.host;
    const poolPath = `/${encodeURIComponent(userPoolId)}`;
    const keyPool = new RsaKeyPool(KEY_POOL_SIZE);
    const [server, firstKey] = await Promise.all([
      JwksTestServer.start(host, `${poolPath}/.well-known/jwks.json`),
      keyPool.createFirstKey(),
    ]);
    const cognitoIssuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
    const issuer = options.issuer ?? (options.userPoolId === undefined ? `${server.origin}${poolPath}` : cognitoIssuer);
    return new CognitoTestKit(server, keyPool, { region, userPoolId, clientId, issuer }, firstKey);
  }

  /**
   * Module options pointing at this fake pool: its JWKS URL by default, or with
   * `{ jwks: 'inline' }` its current key set itself (nothing is downloaded). For a test module
   * of its own; to test your app under its own rules, use {@link overrideKeys}.
   * @example CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenUse: 'id' })
   */
  moduleOptions(request?: { jwks?: 'url' }): CognitoTestKitModuleOptions;
  moduleOptions(request: { jwks: 'inline' }): CognitoTestKitInlineModuleOptions;
  moduleOptions(
    request?: CognitoTestKitModuleOptionsRequest,
  ): CognitoTestKitModuleOptions | CognitoTestKitInlineModuleOptions;
  moduleOptions(
    request: CognitoTestKitModuleOptionsRequest = {},
  ): CognitoTestKitModuleOptions | CognitoTestKitInlineModuleOptions {
    const { region, userPoolId, clientId, issuer, jwksUri } = this;
    const jwks = request.jwks ?? 'url';
    if (jwks === 'inline') return { region, userPoolId, clientId, issuer, jwks: this.jwks };
    if (jwks !== 'url')
      throw new TypeError(`moduleOptions: jwks must be 'url' or 'inline', not ${JSON.stringify(jwks)}`);
    return { region, userPoolId, clientId, issuer, jwksUri };
  }

  /**
   * Makes the app under test take this pool's keys from the kit, and changes nothing else:
   * `fallbackPolicy`, `tokenCookie`, `customCheck`, revocation and policies stay as the app
   * configured them, with `forRoot` and `forRootAsync`. The app must accept this kit's pool
   * (create the kit with the app's `userPoolId` and `clientId`), or its start-up fails saying
   * so. Chain it for several pools: `kitB.overrideKeys(kitA.overrideKeys(builder))`.
   * @example
   * const kit = await createCognitoTestKit({ userPoolId: 'eu-west-1_AbC123', clientId: 'my-client' });
   * const moduleRef = await kit.overrideKeys(Test.createTestingModule({ imports: [AppModule] })).compile();
   */
  overrideKeys<TBuilder extends CognitoOverridableBuilder<TBuilder>>(
    builder: TBuilder,
    options: CognitoOverrideKeysOptions = {},
  ): TBuilder {
    const jwks = options.jwks ?? 'url';
    if (jwks !== 'url' && jwks !== 'inline') {
      throw new TypeError(`overrideKeys: jwks must be 'url' or 'inline', not ${JSON.stringify(jwks)}`);
    }
    const override: CognitoKeyOverride =
      jwks === 'inline' ? { issuer: this.issuer, jwks: this.jwks } : { issuer: this.issuer, jwksUri: this.jwksUri };
    const others = (keyOverridesOf.get(builder) ?? []).filter((known) => known.issuer !== this.issuer);
    const overrides = [...others, override];
    keyOverridesOf.set(builder, overrides);
    return builder.overrideProvider(COGNITO_KEY_OVERRIDES).useValue(overrides);
  }

  /**
   * A user access token: `token_use: 'access'`, `client_id`, `username`, `scope`, no `aud`.
   * `claims` are merged over the defaults; a claim set to `undefined` is removed.
   * @example kit.accessToken({ 'cognito:groups': ['admin'], scope: 'orders/read' })
   */
  accessToken(claims: Record<string, unknown> = {}, opts?: SignOptions): string {
    return this.sign(mergeClaims(defaultAccessClaims(this.claimContext(), nowInSeconds()), claims), opts);
  }

  /** An ID token: `token_use: 'id'`, `aud` = client id, `cognito:username`, `email`. */
  idToken(claims: Record<string, unknown> = {}, opts?: SignOptions): string {
    return this.sign(mergeClaims(defaultIdClaims(this.claimContext(), nowInSeconds()), claims), opts);
  }

  /** A client-credentials (machine-to-machine) access token: `sub` = `client_id`, no user name. */
  machineToken(claims: Record<string, unknown> = {}, opts?: SignOptions): string {
    return this.sign(mergeClaims(defaultMachineClaims(this.claimContext(), nowInSeconds()), claims), opts);
  }

  /**
   * Signs any payload, with no default claims. An object is serialized as JSON; a string or
   * bytes are encoded verbatim (for malformed-token tests); anything else (array, number) as JSON.
   */
  sign(payload: unknown, opts: SignOptions = {}): string {
    const key = opts.key ?? this.current;
    const header = withoutUndefined({ kid: key.kid, alg: 'RS256', ...opts.header });
    return signJwt(header, withExpiry(payload, opts.expiresIn), key.privateKey);
  }

  /** The key tokens are signed with by default (published unless you changed the JWKS). */
  get currentKey(): TestSigningKey {
    return this.current;
  }

  /**
   * A new RSA key that is NOT published, e.g. for "signed by an unknown key" tests.
   * Synchronous; a spare 2048-bit key is usually ready, otherwise generating one blocks for
   * ~50-100 ms (other sizes always block, 4096 bits for about a second).
   */
  generateKey(opts?: GenerateKeyOptions): TestSigningKey {
    return this.keyPool.take(opts);
  }

  /** Generates a key, publishes it alongside the keys already served, and makes it current. */
  rotateKey(opts?: GenerateKeyOptions): TestSigningKey {
    const key = this.generateKey(opts);
    this.server.keys = [...this.server.keys, key.publicJwk];
    this.current = key;
    return key;
  }

  /**
   * Sets exactly what the JWKS serves. Raw JWK objects are served as given (EC keys,
   * `use: 'enc'`, missing fields…). Does not change {@link currentKey}.
   */
  publishKeys(keys: ReadonlyArray<TestSigningKey | Record<string, unknown>>): void {
    this.server.keys = keys.map((key) => (isSigningKey(key) ? key.publicJwk : { ...key }));
  }

  /** A copy of the key set the JWKS endpoint serves when it behaves normally. */
  get jwks(): { keys: Array<Record<string, unknown>> } {
    return structuredClone({ keys: this.server.keys as Array<Record<string, unknown>> });
  }

  /** Advanced: requests received on the JWKS path since creation or {@link resetCounters}. */
  get jwksRequestCount(): number {
    return this.server.requestCount;
  }

  /** Advanced: resets {@link jwksRequestCount} to 0. */
  resetCounters(): void {
    this.server.requestCount = 0;
  }

  /** Advanced: fault injection on the JWKS endpoint; see {@link JwksBehaviour}. `'ok'` restores it. */
  setJwksBehaviour(behaviour: JwksBehaviour): void {
    this.server.setBehaviour(behaviour);
  }

  /** Stops the JWKS server and destroys all its connections, hung ones included. Idempotent. */
  async close(): Promise<void> {
    this.keyPool.close();
    await this.server.close();
  }

  private claimContext(): ClaimContext {
    return { issuer: this.issuer, clientId: this.clientId };
  }
}

/**
 * Starts a fake Cognito user pool (a loopback JWKS server and an RSA-2048 signing key). Give it
 * your app's pool and client, and {@link CognitoTestKit.overrideKeys} makes your app accept its
 * tokens under your app's own rules.
 *
 * @example
 * const kit = await createCognitoTestKit({ userPoolId: 'eu-west-1_AbC123', clientId: 'my-client' });
 * const app = (await kit.overrideKeys(Test.createTestingModule({ imports: [AppModule] })).compile())
 *   .createNestApplication();
 * await app.init();
 * await request(app.getHttpServer()).get('/me').auth(kit.accessToken(), { type: 'bearer' });
 * await kit.close();
 */
export function createCognitoTestKit(options?: CognitoTestKitOptions): Promise<CognitoTestKit> {
  return CognitoTestKit.create(options);
}
