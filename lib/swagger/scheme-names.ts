/** Name of the bearer security scheme in the OpenAPI document. */
export const COGNITO_SECURITY_SCHEME = 'cognito';

/** Name of the OAuth2 scheme that signs in through the Cognito hosted UI (`enableCognitoSignIn`). */
export const COGNITO_SIGN_IN_SCHEME = 'cognito-sign-in';

/** A requirement made only of this package's schemes means "a Cognito token", whichever way it was obtained. */
export function isCognitoOnly(requirement: Record<string, string[]>): boolean {
  const names = Object.keys(requirement);
  return names.length > 0 && names.every((name) => name === COGNITO_SECURITY_SCHEME || name === COGNITO_SIGN_IN_SCHEME);
}
