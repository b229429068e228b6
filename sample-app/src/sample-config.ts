import type {
  CognitoAuthOptions,
  CognitoAuthorizationRules,
  CognitoPreloadKeys,
  CognitoRevocationFailurePolicy,
  CognitoTokenUse,
} from 'nestjs-cognito-auth';

import { readAllowedOrigins } from './allowed-origins.js';

export type HttpAdapterName = 'express' | 'fastify';

export interface SampleConfig {
  port: number;
  host: string;
  adapter: HttpAdapterName;
  cognito: CognitoAuthOptions;
  /** ALLOWED_ORIGINS: other sites whose pages may sign out with the token cookie and open /events; none by default. */
  allowedOrigins: string[];
  /** REVOCATION_REDIS_URL: the deny-list lives in this Redis; in memory when unset. */
  revocationRedisUrl?: string;
  /** REVOCATION_FAILURE_POLICY: what requests get while that Redis is unreachable (`last-known` by default, or `refuse`). */
  revocationFailurePolicy?: CognitoRevocationFailurePolicy;
  /** COGNITO_METRICS=prometheus: the module's metrics at GET /metrics; off when unset. */
  metrics?: 'prometheus';
  /** COGNITO_PROFILES=demo: `transformUser` makes an in-memory profile the principal, shown at GET /me/profile. */
  profiles?: 'demo';
  /** Set when COGNITO_DOMAIN is: Swagger UI at /docs offers sign-in with the hosted UI. */
  swaggerSignIn?: SwaggerSignInConfig;
}

export interface SwaggerSignInConfig {
  domain: string;
  scopes: string[];
}

/** Reads the sample app's settings from environment variables (listed in docs/development.md). */
export function readSampleConfig(env: Record<string, string | undefined>): SampleConfig {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    adapter: readAdapter(env.HTTP_ADAPTER),
    cognito: {
      region: env.COGNITO_REGION,
      userPoolId: env.COGNITO_USER_POOL_ID,
      clientIds: (env.COGNITO_CLIENT_ID ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
      tokenUse: (env.COGNITO_TOKEN_USE ?? 'access') as CognitoTokenUse,
      issuer: env.COGNITO_ISSUER || undefined,
      jwksUri: env.COGNITO_JWKS_URI || undefined,
      fallbackPolicy: readFallbackPolicy(env.COGNITO_FALLBACK_GROUPS),
      tokenCookie: env.COGNITO_TOKEN_COOKIE || undefined,
      preloadKeys: readPreloadKeys(env.COGNITO_PRELOAD_KEYS),
    },
    swaggerSignIn: readSwaggerSignIn(env),
    revocationRedisUrl: readRedisUrl(env.REVOCATION_REDIS_URL),
    revocationFailurePolicy: readFailurePolicy(env.REVOCATION_FAILURE_POLICY),
    metrics: readMetrics(env.COGNITO_METRICS),
    profiles: readProfiles(env.COGNITO_PROFILES),
    allowedOrigins: readAllowedOrigins(env.ALLOWED_ORIGINS),
  };
}

// `openid` alone by default: the access token that Swagger UI sends gets nothing from `email`
// or `profile` (they shape the ID token and userInfo), and an app client that does not allow a
// requested scope refuses the whole sign-in. Add resource-server scopes (`orders/read`) to try
// routes that require them.
function readSwaggerSignIn(env: Record<string, string | undefined>): SwaggerSignInConfig | undefined {
  const domain = env.COGNITO_DOMAIN?.trim();
  if (!domain) return undefined;
  const scopes = (env.COGNITO_OAUTH_SCOPES ?? '').split(/\s+/).filter(Boolean);
  return { domain, scopes: scopes.length > 0 ? scopes : ['openid'] };
}

/** COGNITO_FALLBACK_GROUPS=staff,ops: routes without rules of their own need one of these groups. */
function readFallbackPolicy(value: string | undefined): CognitoAuthorizationRules | undefined {
  const groups = (value ?? '')
    .split(',')
    .map((group) => group.trim())
    .filter(Boolean);
  return groups.length > 0 ? { groups } : undefined;
}

function readRedisUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^rediss?:\/\/[^/\s]+/.test(value)) throw new Error('REVOCATION_REDIS_URL must look like redis://host:port');
  return value;
}

/** COGNITO_PRELOAD_KEYS: `off` (default), `best-effort` or `required`; the module checks the value. */
function readPreloadKeys(value: string | undefined): CognitoPreloadKeys | undefined {
  return (value || undefined) as CognitoPreloadKeys | undefined;
}

/** The module checks the value. */
function readFailurePolicy(value: string | undefined): CognitoRevocationFailurePolicy | undefined {
  return (value || undefined) as CognitoRevocationFailurePolicy | undefined;
}

function readMetrics(value: string | undefined): 'prometheus' | undefined {
  if (!value) return undefined;
  if (value !== 'prometheus') throw new Error(`COGNITO_METRICS must be prometheus (or unset), got ${value}`);
  return value;
}

function readProfiles(value: string | undefined): 'demo' | undefined {
  if (!value) return undefined;
  if (value !== 'demo') throw new Error(`COGNITO_PROFILES must be demo (or unset), got ${value}`);
  return value;
}

function readAdapter(value: string | undefined): HttpAdapterName {
  const adapter = value ?? 'express';
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new Error(`HTTP_ADAPTER must be express or fastify, got ${adapter}`);
  }
  return adapter;
}
