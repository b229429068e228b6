export { CognitoAuthModule } from './cognito-auth.module.js';
export { CognitoAuthGuard } from './cognito-auth.guard.js';
export { CognitoJwtStrategy } from './cognito-jwt.strategy.js';
export { type CognitoAuthentication, CognitoTokenVerifier } from './cognito-token.verifier.js';
export { CognitoRevocationService } from './revocation/cognito-revocation.service.js';
export {
  type CognitoHealthDetails,
  type CognitoHealthResult,
  CognitoHealthIndicator,
} from './health/cognito-health.indicator.js';
export type { KeySetState as CognitoKeySetState } from './jwks/cognito-jwks.service.js';
export {
  CHANNEL_NAMES as COGNITO_AUTH_CHANNELS,
  type CognitoAuthenticateEvent,
  type CognitoAuthorizeEvent,
  type CognitoJwksEvent,
  type CognitoRevocationEvent,
  type CognitoTransformEvent,
  type CognitoTransport,
} from './events/cognito-channels.js';
export type { ContextAdapter as CognitoContextAdapter } from './contexts/context-adapter.interface.js';
export { registerContextAdapter } from './contexts/execution-context.js';
export { CognitoGraphQLError } from './contexts/graphql.context.js';
export { CognitoMessageRequest } from './contexts/rpc.context.js';
export { type CognitoHandshakeError, cognitoHandshake } from './cognito-handshake.js';
export { CognitoSocketRequest } from './contexts/socket-request.js';
export { type CognitoSocketErrorData, CognitoSocketError } from './contexts/websocket.context.js';
export { tokenFromCookie, tokenFromRequest } from './token/token-sources.js';
export { type FailureAnswer, toFailureAnswer } from './errors/failure-answer.js';
export { CognitoHttpException, toHttpException } from './errors/to-http-exception.js';
export type { RoutePolicy } from './policies/route-policy.js';
export type {
  AuthorizationRules,
  ClaimRequirement,
  CognitoAuthorizationRules,
} from './policies/authorization-rules.js';
export type { CognitoPolicy, CognitoPolicyFunction, CognitoPolicyHandler } from './policies/cognito-policy.js';
export {
  COGNITO_AUTH_OPTIONS,
  COGNITO_JWT_STRATEGY,
  IS_PUBLIC_KEY,
  REQUIRED_GROUPS_KEY,
  REQUIRED_SCOPES_KEY,
} from './cognito-auth.constants.js';
export * from './decorators/index.js';
export * from './errors/index.js';
export type * from './interfaces/index.js';
