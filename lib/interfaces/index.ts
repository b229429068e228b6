export * from './cognito-auth-options.interface.js';
export * from './cognito-authorization.interface.js';
export * from './cognito-jwt.interface.js';
export * from './cognito-revocation.interface.js';
export * from './cognito-user.interface.js';
export * from './cognito-user-transformer.interface.js';
