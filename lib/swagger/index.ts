export {
  addCognitoBearerAuth,
  applyCognitoSecurity,
  COGNITO_SECURITY_SCHEME,
  type ApplyCognitoSecurityOptions,
} from './apply-cognito-security.js';
