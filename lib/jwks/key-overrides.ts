/**
 * Where a pool's keys come from in tests: the testing kit's `overrideKeys(builder)` overrides
 * this provider (empty by default), and the configuration then takes that pool's keys from the
 * kit while every other option stays as the app set it. `Symbol.for`, so that the module and
 * the testing kit agree on it even when loaded from different builds (ESM and CommonJS).
 */
export const COGNITO_KEY_OVERRIDES = Symbol.for('nestjs-cognito-auth:key-overrides');

/** The keys of the pool whose issuer is `issuer`: from `jwksUri`, or the key set itself. */
export interface CognitoKeyOverride {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly jwks?: { readonly keys: readonly object[] };
}
