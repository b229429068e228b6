import type { OpenAPIObject, SwaggerCustomOptions } from '@nestjs/swagger';
import { COGNITO_SECURITY_SCHEME, COGNITO_SIGN_IN_SCHEME } from './scheme-names.js';

export interface CognitoSignInOptions {
  /**
   * The user pool's domain, as a host name: `<prefix>.auth.<region>.amazoncognito.com` or your
   * custom domain (`auth.example.com`). No `https://`, no path.
   */
  domain: string;
  /** The app client Swagger UI signs in with: a public client (no secret) with the authorization code grant. */
  clientId: string;
  /** Scopes requested at sign-in; the access token's `scope` carries them. Default `['openid']`. */
  scopes?: readonly string[];
  /**
   * Which token "Try it out" sends: `access` (default; what the module accepts by default) or
   * `id` (for `tokenUse: 'id'` or `'any'`).
   */
  token?: 'access' | 'id';
  /** Keep the sign-in across page reloads (Swagger UI keeps the token in localStorage). Default true. */
  persistAuthorization?: boolean;
}

const DEFAULT_SCOPES = ['openid'];

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'OpenID Connect sign-in (Cognito needs it for email, phone and profile)',
  email: 'The email address, in the ID token and userInfo',
  phone: 'The phone number, in the ID token and userInfo',
  profile: 'The other profile attributes, in the ID token and userInfo',
  'aws.cognito.signin.user.admin': "Cognito user-pool API calls on the user's own profile",
};

// Swagger UI sends `<folder of the page>/oauth2-redirect.html` as the redirect URI. For `/docs`
// that folder is `/`, where nothing serves the page; for `/docs/` it is `/docs/`, where
// SwaggerModule serves it. This runs before Swagger UI starts, so the URI is `/docs/…`.
const REDIRECT_FROM_DOCS_FOLDER = [
  'if (!/(\\/|\\.html)$/.test(location.pathname)) {',
  "  history.replaceState(history.state, '', location.pathname + '/' + location.search + location.hash);",
  '}',
].join('\n');

// A DNS name of at least two labels: what Cognito accepts as a prefix or custom domain.
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Lets a person sign in from Swagger UI through the Cognito hosted UI (authorization code +
 * PKCE): declares the OAuth2 scheme, accepts it next to the bearer scheme on every operation
 * that requires the bearer scheme (run it after `applyCognitoSecurity`), and returns the options
 * for `SwaggerModule.setup`. Register `https://<your host>/<docs path>/oauth2-redirect.html` as
 * a callback URL of the app client.
 */
export function enableCognitoSignIn(document: OpenAPIObject, options: CognitoSignInOptions): SwaggerCustomOptions {
  const { domain, clientId, scopes, token, persistAuthorization } = checkOptions(options);
  document.components ??= {};
  document.components.securitySchemes = {
    ...document.components.securitySchemes,
    [COGNITO_SIGN_IN_SCHEME]: {
      type: 'oauth2',
      description: 'Sign in with the Amazon Cognito hosted UI (authorization code + PKCE)',
      flows: {
        authorizationCode: {
          authorizationUrl: `https://${domain}/oauth2/authorize`,
          tokenUrl: `https://${domain}/oauth2/token`,
          scopes: Object.fromEntries(scopes.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope] ?? 'Custom scope'])),
        },
      },
      // Swagger UI reads this to pick the field of the token response it sends.
      ...(token === 'id' ? { 'x-tokenName': 'id_token' } : {}),
    },
  };
  if (document.security) document.security = withSignIn(document.security);
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      if (isOperation(operation) && operation.security) operation.security = withSignIn(operation.security);
    }
  }
  return {
    swaggerOptions: {
      initOAuth: { clientId, scopes, usePkceWithAuthorizationCodeGrant: true },
      persistAuthorization,
    },
    customJsStr: REDIRECT_FROM_DOCS_FOLDER,
  };
}

type SecurityRequirement = Record<string, string[]>;

/** After each requirement naming the bearer scheme, the same requirement with the sign-in scheme instead. */
function withSignIn(requirements: SecurityRequirement[]): SecurityRequirement[] {
  if (requirements.some((requirement) => COGNITO_SIGN_IN_SCHEME in requirement)) return requirements;
  return requirements.flatMap((requirement) => {
    if (!(COGNITO_SECURITY_SCHEME in requirement)) return [requirement];
    const { [COGNITO_SECURITY_SCHEME]: scopes, ...others } = requirement;
    return [requirement, { ...others, [COGNITO_SIGN_IN_SCHEME]: scopes }];
  });
}

function isOperation(value: unknown): value is { security?: SecurityRequirement[] } {
  return typeof value === 'object' && value !== null && 'responses' in value;
}

function checkOptions(options: CognitoSignInOptions): Required<CognitoSignInOptions> & { scopes: string[] } {
  const { domain, clientId, scopes = DEFAULT_SCOPES, token = 'access', persistAuthorization = true } = options;
  if (typeof domain !== 'string' || !HOST_NAME.test(domain)) {
    throw new Error(
      'enableCognitoSignIn: domain must be the host name of the user pool domain, such as ' +
        `my-app.auth.eu-west-1.amazoncognito.com or auth.example.com (no "https://", no path), got ${JSON.stringify(domain)}`,
    );
  }
  if (typeof clientId !== 'string' || !/^\S+$/.test(clientId)) {
    throw new Error(`enableCognitoSignIn: clientId must be the app client id, got ${JSON.stringify(clientId)}`);
  }
  const badScope = scopes.find((scope) => typeof scope !== 'string' || !/^\S+$/.test(scope));
  if (badScope !== undefined) {
    throw new Error(
      `enableCognitoSignIn: each scope must be a non-empty word without spaces, got ${JSON.stringify(badScope)}`,
    );
  }
  if (token !== 'access' && token !== 'id') {
    throw new Error(`enableCognitoSignIn: token must be "access" or "id", got ${JSON.stringify(token)}`);
  }
  return { domain, clientId, scopes: [...scopes], token, persistAuthorization };
}
