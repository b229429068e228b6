/** The JOSE header of a Cognito token, as received. */
export interface CognitoJwtHeader {
  alg: string;
  kid: string;
  [field: string]: unknown;
}

/** The verified payload of a Cognito access or ID token. Unknown claims are kept. */
export interface CognitoJwtPayload {
  iss: string;
  sub: string;
  token_use: 'access' | 'id';
  exp: number;
  iat?: number;
  nbf?: number;
  auth_time?: number;
  client_id?: string;
  aud?: string | string[];
  username?: string;
  'cognito:username'?: string;
  'cognito:groups'?: string[];
  scope?: string;
  email?: string;
  jti?: string;
  [claim: string]: unknown;
}
