/**
 * Testing kit of nestjs-cognito-auth (`nestjs-cognito-auth/testing`): a fake Cognito user pool
 * that mints signed tokens and serves its keys on loopback (or hands them to the module
 * directly), for end-to-end tests that exercise the module's real signature check; and, for
 * unit-level tests, a user object and a guard replacement that act as a given user without
 * any token.
 *
 * @packageDocumentation
 */
export {
  CognitoTestKit,
  createCognitoTestKit,
  type CognitoOverridableBuilder,
  type CognitoOverrideKeysOptions,
  type CognitoTestKitInlineModuleOptions,
  type CognitoTestKitModuleOptions,
  type CognitoTestKitModuleOptionsRequest,
  type CognitoTestKitOptions,
  type SignOptions,
} from './cognito-test-kit.js';
export { actAsCognitoUser } from './act-as-cognito-user.js';
export { cognitoUser, type CognitoUserOptions } from './test-user.js';
export type { JwksBehaviour } from './jwks-test-server.js';
export type { GenerateKeyOptions, PublicJwk, TestSigningKey } from './signing-keys.js';
export { base64url, decodeJwtPart } from './token-signer.js';
export {
  albEvent,
  apiGatewayV1Event,
  apiGatewayV2Event,
  authorizerRequestEvent,
  authorizerTokenEvent,
  httpApiAuthorizerEvent,
  lambdaContext,
  type AlbEvent,
  type AlbEventOptions,
  type ApiGatewayV1Event,
  type ApiGatewayV1RequestContext,
  type ApiGatewayV2Event,
  type ApiGatewayV2RequestContext,
  type AuthorizerRequestEvent,
  type AuthorizerTokenEvent,
  type AuthorizerTokenEventOptions,
  type HttpApiAuthorizerEvent,
  type LambdaContext,
  type LambdaContextOptions,
  type LambdaEventHeaders,
  type LambdaEventOptions,
  type LambdaEventV2Options,
} from './lambda-events.js';
