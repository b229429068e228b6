export { CognitoAuthModule } from './cognito-auth.module.js';
export { CognitoAuthGuard } from './cognito-auth.guard.js';
export { CognitoJwtStrategy } from './cognito-jwt.strategy.js';
export { COGNITO_AUTH_OPTIONS, COGNITO_JWT_STRATEGY, IS_PUBLIC_KEY, REQUIRED_GROUPS_KEY, REQUIRED_SCOPES_KEY } from './cognito-auth.constants.js';
export * from './decorators/index.js';
export * from './errors/index.js';
export type * from './interfaces/index.js';
