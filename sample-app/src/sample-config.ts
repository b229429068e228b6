import type { CognitoAuthOptions, CognitoTokenUse } from 'nestjs-cognito-auth';

export type HttpAdapterName = 'express' | 'fastify';

export interface SampleConfig {
  port: number;
  host: string;
  adapter: HttpAdapterName;
  cognito: CognitoAuthOptions;
}

/** Reads the sample app's settings from environment variables (SPEC §6). */
export function readSampleConfig(env: Record<string, string | undefined>): SampleConfig {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    adapter: readAdapter(env.HTTP_ADAPTER),
    cognito: {
      region: env.COGNITO_REGION,
      userPoolId: env.COGNITO_USER_POOL_ID,
      clientIds: (env.COGNITO_CLIENT_ID ?? '').split(',').map((id) => id.trim()).filter(Boolean),
      tokenUse: (env.COGNITO_TOKEN_USE ?? 'access') as CognitoTokenUse,
      issuer: env.COGNITO_ISSUER || undefined,
      jwksUri: env.COGNITO_JWKS_URI || undefined,
    },
  };
}

function readAdapter(value: string | undefined): HttpAdapterName {
  const adapter = value ?? 'express';
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new Error(`HTTP_ADAPTER must be express or fastify, got ${adapter}`);
  }
  return adapter;
}
