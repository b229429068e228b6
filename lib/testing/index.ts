/**
 * Testing kit of nestjs-cognito-auth (`nestjs-cognito-auth/testing`): a fake Cognito user pool
 * that mints signed tokens and serves its keys on loopback, for end-to-end tests that exercise
 * the module's real signature check. Uses Node built-ins only.
 *
 * @packageDocumentation
 */
export {
  CognitoTestKit,
  createCognitoTestKit,
  type CognitoTestKitModuleOptions,
  type CognitoTestKitOptions,
  type SignOptions,
} from './cognito-test-kit.js';
export type { JwksBehaviour } from './jwks-test-server.js';
export type { GenerateKeyOptions, PublicJwk, TestSigningKey } from './signing-keys.js';
export { base64url, decodeJwtPart } from './token-signer.js';
