// The sample app's COGNITO_* variables for a pool: one mapping for the demo, the bench and the
// tests, whatever provides the pool (the testing kit or the cognito-local emulator).

/** @param {{ region: string, userPoolId: string, clientId: string, issuer: string, jwksUri: string }} pool */
export function sampleAppEnv(pool, env = {}) {
  return {
    COGNITO_REGION: pool.region,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_ISSUER: pool.issuer,
    COGNITO_JWKS_URI: pool.jwksUri,
    ...env,
  };
}
