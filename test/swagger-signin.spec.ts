import type { OpenAPIObject } from '@nestjs/swagger';
import { COGNITO_SIGN_IN_SCHEME, enableCognitoSignIn } from 'nestjs-cognito-auth/swagger';
import { describe, expect, it } from 'vitest';
import { readSampleConfig } from '../sample-app/src/sample-config.js';

const DOMAIN = 'my-app.auth.eu-west-1.amazoncognito.com';

/** A document as `applyCognitoSecurity` leaves it. */
function documentWithSecurity(): OpenAPIObject {
  const get = (security: Record<string, string[]>[]) => ({ get: { security, responses: {} } });
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    components: { securitySchemes: { cognito: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/me': get([{ cognito: [] }]),
      '/health': get([]),
      '/keyed': get([{ 'api-key': [] }, { cognito: [] }]),
      '/both': get([{ 'api-key': [], cognito: [] }]),
    },
  };
}

describe('enableCognitoSignIn declares the hosted-UI sign-in', () => {
  it('adds an OAuth2 authorization-code scheme with the domain URLs and the scopes', () => {
    const document = documentWithSecurity();
    enableCognitoSignIn(document, { domain: DOMAIN, clientId: 'client-1', scopes: ['openid', 'orders/read'] });
    expect(document.components!.securitySchemes![COGNITO_SIGN_IN_SCHEME]).toMatchObject({
      type: 'oauth2',
      flows: {
        authorizationCode: {
          authorizationUrl: `https://${DOMAIN}/oauth2/authorize`,
          tokenUrl: `https://${DOMAIN}/oauth2/token`,
          scopes: { openid: expect.any(String), 'orders/read': expect.any(String) },
        },
      },
    });
    expect(document.components!.securitySchemes!.cognito).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('accepts it next to the bearer scheme wherever the bearer scheme is required, and nowhere else', () => {
    const document = documentWithSecurity();
    enableCognitoSignIn(document, { domain: DOMAIN, clientId: 'client-1' });
    const security = (path: string) => document.paths[path].get!.security;
    expect(security('/me')).toEqual([{ cognito: [] }, { [COGNITO_SIGN_IN_SCHEME]: [] }]);
    expect(security('/health')).toEqual([]);
    expect(security('/keyed')).toEqual([{ 'api-key': [] }, { cognito: [] }, { [COGNITO_SIGN_IN_SCHEME]: [] }]);
    expect(security('/both')).toEqual([
      { 'api-key': [], cognito: [] },
      { 'api-key': [], [COGNITO_SIGN_IN_SCHEME]: [] },
    ]);
  });

  it('does not add the alternative twice when called again', () => {
    const document = documentWithSecurity();
    enableCognitoSignIn(document, { domain: DOMAIN, clientId: 'client-1' });
    enableCognitoSignIn(document, { domain: DOMAIN, clientId: 'client-1' });
    expect(document.paths['/me'].get!.security).toEqual([{ cognito: [] }, { [COGNITO_SIGN_IN_SCHEME]: [] }]);
  });

  it('names the ID token as the one to send when asked to', () => {
    const document = documentWithSecurity();
    enableCognitoSignIn(document, { domain: DOMAIN, clientId: 'client-1', token: 'id' });
    expect(document.components!.securitySchemes![COGNITO_SIGN_IN_SCHEME]).toMatchObject({ 'x-tokenName': 'id_token' });
  });
});

describe('enableCognitoSignIn returns the Swagger UI options', () => {
  it('starts the code flow with PKCE for the app client and the scopes, and keeps the sign-in', () => {
    const options = enableCognitoSignIn(documentWithSecurity(), {
      domain: DOMAIN,
      clientId: 'client-1',
      scopes: ['openid', 'email'],
    });
    expect(options.swaggerOptions).toEqual({
      initOAuth: { clientId: 'client-1', scopes: ['openid', 'email'], usePkceWithAuthorizationCodeGrant: true },
      persistAuthorization: true,
    });
    expect(options.customJsStr).toContain('history.replaceState');
  });

  it('requests openid by default and can forget the sign-in on reload', () => {
    const options = enableCognitoSignIn(documentWithSecurity(), {
      domain: DOMAIN,
      clientId: 'c',
      persistAuthorization: false,
    });
    expect(options.swaggerOptions).toMatchObject({ initOAuth: { scopes: ['openid'] }, persistAuthorization: false });
  });
});

describe('enableCognitoSignIn refuses a domain that is not a host name', () => {
  it.each([`https://${DOMAIN}`, `${DOMAIN}/oauth2/authorize`, `${DOMAIN}:443`, 'my-app', '', 'auth example.com'])(
    '%j',
    (domain) => {
      expect(() => enableCognitoSignIn(documentWithSecurity(), { domain, clientId: 'c' })).toThrow(
        /domain must be the host name of the user pool domain.*no "https:\/\/", no path/,
      );
    },
  );

  it('accepts a Cognito prefix domain and a custom domain', () => {
    for (const domain of [DOMAIN, 'auth.example.com', 'auth.example.test']) {
      expect(() => enableCognitoSignIn(documentWithSecurity(), { domain, clientId: 'c' })).not.toThrow();
    }
  });

  it('refuses an empty client id and a scope with spaces', () => {
    expect(() => enableCognitoSignIn(documentWithSecurity(), { domain: DOMAIN, clientId: '' })).toThrow(/clientId/);
    expect(() =>
      enableCognitoSignIn(documentWithSecurity(), { domain: DOMAIN, clientId: 'c', scopes: ['openid email'] }),
    ).toThrow(/scope/);
  });
});

describe('the sample app reads COGNITO_DOMAIN and COGNITO_OAUTH_SCOPES', () => {
  it('offers no sign-in without COGNITO_DOMAIN', () => {
    expect(readSampleConfig({}).swaggerSignIn).toBeUndefined();
  });

  it('splits the scopes on spaces and requests openid when none are given', () => {
    expect(
      readSampleConfig({ COGNITO_DOMAIN: DOMAIN, COGNITO_OAUTH_SCOPES: ' openid  orders/read ' }).swaggerSignIn,
    ).toEqual({
      domain: DOMAIN,
      scopes: ['openid', 'orders/read'],
    });
    expect(readSampleConfig({ COGNITO_DOMAIN: DOMAIN }).swaggerSignIn).toEqual({ domain: DOMAIN, scopes: ['openid'] });
  });
});
