/**
 * AWS Lambda support of nestjs-cognito-auth (`nestjs-cognito-auth/lambda`): an API Gateway
 * Lambda authorizer with the module's checks, key handling and cache, and no Nest application.
 *
 * @packageDocumentation
 */
export { type CognitoAuthorizer, createCognitoAuthorizer } from './cognito-authorizer.js';
export type { CognitoAuthorizerOptions } from './cognito-authorizer.options.js';
export { CognitoAuthorizerEventError } from './authorizer-policy.js';
export type {
  CognitoAuthorizerContext,
  CognitoAuthorizerEvent,
  CognitoAuthorizerPolicy,
  CognitoAuthorizerResult,
  CognitoAuthorizerSimpleResult,
  CognitoHttpApiAuthorizerEvent,
  CognitoRequestAuthorizerEvent,
  CognitoTokenAuthorizerEvent,
} from './authorizer-events.js';
export {
  CognitoAuthConfigError,
  KeySetUnavailableError,
  RevocationUnavailableError,
} from '../errors/cognito-auth.errors.js';
