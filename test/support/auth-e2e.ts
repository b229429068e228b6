import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Type } from '@nestjs/common';
import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { expect } from 'vitest';
import type { HttpResult } from './http.js';
import { type RunningApp, startApp } from './test-app.js';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';

/** The exact RFC 6750 challenge of a refused token. */
export const invalidToken = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;

/** Exact descriptions the library answers with (lib/token/*, lib/jwks/jwks-key-store.ts). */
export const DESCRIPTIONS = {
  segments: 'The token must be three base64url segments',
  headerNotObject: 'The token header is not a JSON object',
  payloadNotObject: 'The token payload is not a JSON object',
  algorithm: 'The token algorithm must be RS256',
  crit: 'The token has a crit header, which is not supported',
  kid: 'The token kid header is missing or not a valid string',
  unknownKey: 'The token kid is not in the key set of its issuer',
  signature: 'The token signature is invalid',
  issuer: 'The token issuer is not accepted',
  clientId: 'The token client_id is not an accepted client',
  accessAudience: 'The token audience is not accepted',
  idAudience: 'The token audience is not an accepted client',
  expired: 'The token has expired',
  notYetValid: 'The token is not valid yet',
  customCheck: 'The token was refused by a custom check',
  unverifiable: 'The token could not be verified',
  noClaim: (claim: string) => `The token has no ${claim} claim`,
  wrongType: (claim: string) => `The token ${claim} claim has the wrong type`,
  tokenUse: (accepted: string) => `The token_use claim must be ${accepted}`,
  tooLong: (max: number) => `The token is longer than ${max} characters`,
} as const;

/** Asserts a 401 with exactly this invalid_token description, in the header and in Nest's JSON body. */
export function expectInvalidToken(res: HttpResult, description: string): void {
  expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
    status: 401,
    challenge: invalidToken(description),
  });
  expect(res.json()).toEqual({ statusCode: 401, message: description, error: 'Unauthorized' });
}

/** Asserts a 401 with the bare `Bearer` challenge (no credentials). */
export function expectBareChallenge(res: HttpResult): void {
  expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
    status: 401,
    challenge: 'Bearer',
  });
  expect(res.json()).toEqual({ statusCode: 401, message: 'A bearer token is required', error: 'Unauthorized' });
}

/** Integer seconds, like the kit's `iat`. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An app with CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options }) and these controllers. */
export function startModuleApp(
  kit: CognitoTestKit,
  options: Partial<CognitoAuthOptions>,
  controllers: Type<unknown>[],
  adapter: HttpAdapterName = 'express',
): Promise<RunningApp> {
  return startApp(
    { imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })], controllers },
    { adapter },
  );
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A loopback HTTP server that counts every request it receives and answers with `handler`
 * (a handler that does nothing leaves the request hanging). Used as a trap for URLs a token
 * names (`jku`, `x5u`) and as a broken key-set endpoint.
 */
export interface StubServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startStubServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<StubServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A customCheck that admits every token and records its `sub` in `into`, one entry per call. */
export const recordSubjects =
  (into: string[]): NonNullable<CognitoAuthOptions['customCheck']> =>
  ({ payload }) => {
    into.push(String(payload.sub));
  };
