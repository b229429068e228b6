/**
 * Every path answers alike: the same token gets the same status (and, where the transport has
 * them, the same challenge and `Retry-After`, or the same error code) from the global guard,
 * `AuthGuard('cognito-jwt')`, GraphQL over HTTP and over graphql-ws, a socket.io handshake, a
 * gateway message and `CognitoTokenVerifier.verify()` with `toHttpException`. One app per
 * adapter serves every path; real clients, the kit's real JWKS server.
 */
import { randomUUID } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import {
  type CognitoAuthOptions,
  CognitoRevocationService,
  CognitoTokenVerifier,
  toHttpException,
} from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { useApp, useKit, useKitApp, useSocketClients } from './support/kit-app.js';
import { nowSeconds } from './support/auth-e2e.js';
import { startEveryPathApp } from './support/every-path-app.js';
import { postQuery } from './support/graphql-app.js';
import { connectGraphqlWs, graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { ask, type SocketClients, type SocketRefusal } from './support/socket-client.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';

/** A custom check that refuses two users: one with its own 403, one with a plain error (401). */
function refuseSomeUsers({ payload }: { payload: Record<string, unknown> }): void {
  if (payload.sub === 'forbidden-user') throw new ForbiddenException('Suspended account');
  if (payload.sub === 'refused-user') throw new Error('not this one');
}

const everyPathApp = (options: CognitoAuthOptions, adapter: HttpAdapterName) =>
  startEveryPathApp(options, adapter, graphqlWsModule(adapter));

/** What an HTTP client acts on. */
const overHttp = (res: HttpResult) => ({
  status: res.status,
  challenge: res.headers['www-authenticate'],
  retryAfter: res.headers['retry-after'],
});

/** The answer of every path to one token (undefined: no token sent). */
async function answersTo(app: RunningApp, token: string | undefined, sockets: SocketClients) {
  const headers = token === undefined ? {} : bearer(token);
  const auth = token === undefined ? {} : { token };
  const rest = overHttp(await get(`${app.url}/me`, headers));
  const passport = overHttp(await get(`${app.url}/passport`, headers));

  const graphqlResponse = await postQuery(app.url, '{ me { sub } }', headers);
  const graphql = graphqlAnswer(graphqlResponse.json().errors?.[0]?.extensions);
  const ws = await connectGraphqlWs(app.url, token === undefined ? undefined : `Bearer ${token}`);
  const [wsResult] = await ws.run('{ me { sub } }').finally(() => ws.close());
  const graphqlWs = graphqlAnswer(wsResult.errors?.[0]?.extensions);

  const refusal = await sockets.refusal(`${app.url}/checked`, { auth }).catch((error: Error) => ({
    status: 200,
    error: error.message,
  }));
  const handshake = socketAnswer(refusal as SocketRefusal);
  const socket = await sockets.connect(`${app.url}/open`, { auth });
  const reply = await ask(socket, 'whoami');
  const message = socketAnswer('exception' in reply ? reply.exception : { status: 200, error: '', message: '' });
  sockets.closeAll();

  let verifier: { status: number; challenge?: string; retryAfter?: string } | undefined;
  if (token !== undefined) {
    const failure = await app.app
      .get(CognitoTokenVerifier)
      .verify(token)
      .then(
        () => undefined,
        (error: unknown) => toHttpException(error),
      );
    const answerHeaders = (failure as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    verifier = failure && {
      status: failure.getStatus(),
      challenge: answerHeaders['WWW-Authenticate'],
      retryAfter: answerHeaders['Retry-After'],
    };
  }
  return {
    rest,
    passport,
    graphqlOverHttp: overHttp(graphqlResponse),
    graphql,
    graphqlWs,
    handshake,
    message,
    verifier,
  };
}

/** GraphQL error codes by HTTP status, as Apollo names them. */
const STATUS_OF_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SERVICE_UNAVAILABLE: 503,
};

/** The status a GraphQL client can read from an error's code, and the retry delay if any. */
function graphqlAnswer(extensions: any = {}) {
  return { code: extensions.code, status: STATUS_OF_CODE[extensions.code], retryAfter: extensions.retryAfter };
}

function socketAnswer(data: SocketRefusal) {
  return { status: data.status, code: data.error, retryAfter: data.retryAfter };
}

/**
 * Every path answers with `status`: the HTTP paths with the REST guard's challenge and
 * `Retry-After`, GraphQL over HTTP and over graphql-ws with the same code, the handshake and a
 * gateway message with the same payload.
 */
function expectAlike(answers: Awaited<ReturnType<typeof answersTo>>, status: number) {
  const { rest, passport, graphqlOverHttp, graphql, graphqlWs, handshake, message, verifier } = answers;
  expect(rest.status).toBe(status);
  expect({ passport, verifier: verifier ?? rest }).toEqual({ passport: rest, verifier: rest });
  expect(graphqlOverHttp.status).toBe(200);
  expect({ graphql, graphqlWs }).toEqual({ graphql: { ...graphqlWs, status }, graphqlWs: { ...graphql, status } });
  expect(message).toEqual(handshake);
  expect(handshake.status).toBe(status);
}

const kit = useKit();

describe.each(ADAPTERS)('every path refuses a token alike (%s)', (adapter) => {
  const app = useApp(() => everyPathApp({ ...kit.moduleOptions(), customCheck: refuseSomeUsers }, adapter));
  const sockets = useSocketClients();

  const cases: Array<[string, () => string | undefined, number]> = [
    ['no token', () => undefined, 401],
    ['an expired token', () => kit.accessToken({}, { expiresIn: -60 }), 401],
    [
      'a forged signature',
      () => kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } }),
      401,
    ],
    ['junk', () => 'not-a-jwt', 401],
    ['an ID token', () => kit.idToken(), 401],
    ['a 403 from the custom check', () => kit.accessToken({ sub: 'forbidden-user' }), 403],
    ['a plain error from the custom check', () => kit.accessToken({ sub: 'refused-user' }), 401],
  ];

  it.each(cases)('%s', async (_case, token, status) => {
    expectAlike(await answersTo(app, token(), sockets), status);
  });

  it('a revoked session', async () => {
    const session = randomUUID();
    const token = kit.accessToken({ origin_jti: session });
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expectAlike(await answersTo(app, token, sockets), 401);
  });
});

describe.each(ADAPTERS)('every path answers 503 alike when no signing key can be had (%s)', (adapter) => {
  const { kit: downKit, app } = useKitApp((downKit) => {
    downKit.setJwksBehaviour('error-500'); // before the app has downloaded a key
    return everyPathApp({ ...downKit.moduleOptions(), jwksRefetchIntervalMs: 60_000 }, adapter);
  });
  const sockets = useSocketClients();

  it('503 with a retry delay, never 500', async () => {
    const answers = await answersTo(app, downKit.accessToken(), sockets);
    expect(answers.rest).toEqual({ status: 503, challenge: undefined, retryAfter: expect.stringMatching(/^\d+$/) });
    // The delay counts down to the next download: paths asked a moment apart may differ by a second.
    const delays = [answers.rest, answers.passport, answers.verifier!].map((answer) => Number(answer.retryAfter));
    for (const answer of [answers.passport, answers.verifier!]) expect(answer.status).toBe(503);
    for (const answer of [answers.graphql, answers.graphqlWs]) {
      expect(answer).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      delays.push(Number(answer.retryAfter));
    }
    for (const answer of [answers.handshake, answers.message]) {
      expect(answer).toMatchObject({ status: 503, code: 'unavailable' });
      delays.push(Number(answer.retryAfter));
    }
    expect(Math.max(...delays) - Math.min(...delays)).toBeLessThanOrEqual(1);
    expect(app.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
  });
});
