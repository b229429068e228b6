export * from './cognito-auth.errors.js';
