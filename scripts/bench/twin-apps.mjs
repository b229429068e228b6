// The bench's twins: the built sample app with nestjs-cognito-auth's global guard taken out and
// a stand-in global guard put in its place. Every twin serves the same routes with the same bytes in (the
// same Authorization header) and out (the same JSON user on /me) as the sample app:
//  - control: sets one fixed user (the sample app's /me answer for the bench's reused token) on
//    every request that has an Authorization header; no verification at all. Sample app ÷ control
//    is the module's own cost.
//  - raw: the physical floor of a new token: reads the bearer token, parses its payload and does
//    one crypto.verify('RSA-SHA256') with the pool's one key, known in advance.
//  - aws: what an app would write instead of the module: a guard on aws-jwt-verify's
//    CognitoJwtVerifier (issuer, token_use, client_id, exp/nbf, the signature), its key set
//    cached with cacheJwks, so it fetches nothing.
// raw and aws keep nothing between requests: a reused token costs them what a new one does.
import 'reflect-metadata';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { COGNITO_AUTH_OPTIONS, CognitoAuthModule } from 'nestjs-cognito-auth';
import { AppModule } from '../../sample-app/dist/app.module.js';

export const TWINS = ['control', 'raw', 'aws'];

/**
 * Builds (does not start) the sample app with `guard` as its global guard instead of the
 * module's. The module's services stay, for the parts of the app that inject them (a WebSocket
 * gateway, a logout route): only its global guard is taken out, and its key set is not
 * preloaded, so a twin never fetches it. No module code runs on a twin's HTTP requests.
 */
export async function createTwinApp(config, guard) {
  const sampleModule = AppModule.register(config);
  const auth = sampleModule.imports.find((imported) => imported?.module === CognitoAuthModule);
  if (!auth) throw new Error('twin app: CognitoAuthModule not found among the sample app module imports');
  const guardCount = auth.providers.filter((provider) => provider?.provide === APP_GUARD).length;
  if (guardCount !== 1) throw new Error(`twin app: expected the module's one APP_GUARD, found ${guardCount}`);
  const authWithoutGuard = {
    ...auth,
    providers: auth.providers
      .filter((provider) => provider?.provide !== APP_GUARD)
      .map((provider) =>
        provider?.provide === COGNITO_AUTH_OPTIONS && provider.useFactory
          ? {
              ...provider,
              useFactory: async (...args) => ({ ...(await provider.useFactory(...args)), preloadKeys: 'off' }),
            }
          : provider,
      ),
  };
  const twinModule = {
    ...sampleModule,
    imports: sampleModule.imports.map((imported) => (imported === auth ? authWithoutGuard : imported)),
    providers: [...(sampleModule.providers ?? []), { provide: APP_GUARD, useValue: guard }],
  };
  const app =
    config.adapter === 'fastify'
      ? await NestFactory.create(twinModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), {
          logger: ['error'],
        })
      : await NestFactory.create(twinModule, { logger: ['error'] });
  // As the sample app: /docs is mounted (on Express its middleware is on every request's way).
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('twin').build()));
  return app;
}

/**
 * The guard of a twin. `user` (control): the fixed user to hand out. `jwks` (raw, aws): the
 * pool's key set, as the bench's test kit publishes it.
 */
export function createTwinGuard(name, { config, user, jwks }) {
  if (name === 'control') return fixedUserGuard(user);
  const pool = poolOf(config);
  if (name === 'raw') return rawCryptoGuard(createPublicKey({ key: jwks.keys[0], format: 'jwk' }), pool);
  if (name === 'aws') return awsJwtVerifyGuard(jwks, pool);
  throw new Error(`unknown twin ${name}`);
}

/** The least any bearer-token guard does: read the Authorization header, then set the user. */
function fixedUserGuard(user) {
  return {
    canActivate(context) {
      const request = context.getArgByIndex(0);
      if (request) request.user = typeof request.headers?.authorization === 'string' ? user : null;
      return true;
    },
  };
}

function rawCryptoGuard(publicKey, pool) {
  return bearerGuard((token) => {
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
    if (!cryptoVerify('RSA-SHA256', Buffer.from(token.slice(0, lastDot), 'latin1'), publicKey, signature)) {
      throw new UnauthorizedException();
    }
    return cognitoShapedUser(
      JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8')),
      pool,
    );
  });
}

function awsJwtVerifyGuard(jwks, pool) {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: pool.userPoolId,
    tokenUse: 'access',
    clientId: pool.clientId,
  });
  verifier.cacheJwks(jwks);
  return bearerGuard((token) => {
    let payload;
    try {
      // verifySync: the key set is cached, so nothing is awaited; verify() would add a promise.
      payload = verifier.verifySync(token);
    } catch {
      throw new UnauthorizedException();
    }
    return cognitoShapedUser(payload, pool);
  });
}

/** No Authorization header: no user (as the control); `Bearer <token>`: the user `verify` returns. */
function bearerGuard(verify) {
  return {
    canActivate(context) {
      const request = context.getArgByIndex(0);
      const value = request?.headers?.authorization;
      if (typeof value !== 'string') {
        if (request) request.user = null;
        return true;
      }
      if (value.length < 8 || value.slice(0, 7).toLowerCase() !== 'bearer ') throw new UnauthorizedException();
      request.user = verify(value.slice(7));
      return true;
    },
  };
}

function poolOf(config) {
  const { userPoolId, issuer, clientIds } = config.cognito;
  return { userPoolId, issuer, clientId: clientIds[0] };
}

const DERIVED = new Set([
  'username',
  'clientId',
  'tokenUse',
  'groups',
  'scopes',
  'userPoolId',
  'issuer',
  'claims',
  '__proto__',
  'constructor',
  'prototype',
]);

/** The same JSON as the module's user object (the /me answer): the claims, then the derived fields. */
function cognitoShapedUser(payload, pool) {
  const user = {};
  for (const claim in payload) if (!DERIVED.has(claim)) user[claim] = payload[claim];
  user.username = payload.username ?? payload['cognito:username'] ?? null;
  user.clientId = pool.clientId;
  user.tokenUse = payload.token_use;
  user.groups = payload['cognito:groups'] ?? [];
  user.scopes = payload.scope ? payload.scope.split(' ').filter(Boolean) : [];
  user.userPoolId = pool.userPoolId;
  user.issuer = pool.issuer;
  user.claims = payload;
  return user;
}
