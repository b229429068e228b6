export {
  addCognitoBearerAuth,
  applyCognitoSecurity,
  COGNITO_SECURITY_SCHEME,
  type ApplyCognitoSecurityOptions,
} from './apply-cognito-security.js';
export { enableCognitoSignIn, type CognitoSignInOptions } from './cognito-sign-in.js';
export { COGNITO_SIGN_IN_SCHEME } from './scheme-names.js';
