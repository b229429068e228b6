/**
 * What the suites "every feature on every path" share: one app per adapter that serves every
 * path a token can take (REST behind the global guard, `AuthGuard('cognito-jwt')`, GraphQL over
 * HTTP and over graphql-ws, a socket.io handshake, a gateway message, the verifier), and one
 * asker per path (and the same app invoked as a Lambda function through an HTTP API event) that reduces its answer to what a client acts on: the status, the retry delay,
 * and on success the user pool of the verified user.
 */
import { Controller, Get, Inject, type ModuleMetadata, UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import { type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  CognitoTokenVerifier,
  cognitoHandshake,
  CurrentCognitoUser,
  Public,
  toHttpException,
} from 'nestjs-cognito-auth';
import { apiGatewayV2Event, lambdaContext } from 'nestjs-cognito-auth/testing';
import type { ExecutionResult } from 'graphql';
import type { Namespace } from 'socket.io';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { postQuery } from './graphql-app.js';
import { connectGraphqlWs, type GraphqlWsConnection } from './graphql-ws-client.js';
import { bearer, get, type HttpResult } from './http.js';
import { startOnEveryAdapter } from './policy-e2e.js';
import { ask, type SocketClients } from './socket-client.js';
import type { RunningApp } from './test-app.js';

/** The paths a token can take into an app. */
export const PATHS = [
  'rest',
  'passport',
  'graphql',
  'graphql-ws',
  'handshake',
  'message',
  'verifier',
  'lambda',
] as const;
export type PathName = (typeof PATHS)[number];

/** What a client acts on: 200 and the user's pool, or the refusal's status and retry delay. */
export interface PathAnswer {
  readonly status: number;
  readonly userPoolId?: string;
  readonly retryAfter?: number;
}

/** GET /paths/pool: the pool of the verified user, behind the global guard. */
@Controller('paths')
export class PathsController {
  @Get('pool')
  pool(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }

  /** Public to the global guard, behind `AuthGuard('cognito-jwt')` alone. */
  @Public()
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get('passport')
  passport(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }
}

/** The query `pool`, over HTTP and over graphql-ws. */
@Resolver()
export class PathsResolver {
  @Query(() => String)
  pool(@CurrentCognitoUser('userPoolId') userPoolId: string): string {
    return userPoolId;
  }
}

/** `/paths-checked`: the handshake admits only a valid token; `pool` acks the user's pool. */
@WebSocketGateway({ namespace: '/paths-checked' })
export class PathsCheckedGateway implements OnGatewayInit {
  constructor(@Inject(CognitoTokenVerifier) private readonly verifier: CognitoTokenVerifier) {}

  afterInit(namespace: Namespace) {
    namespace.use(cognitoHandshake(this.verifier));
  }

  @SubscribeMessage('pool')
  pool(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }
}

/** `/paths-open`: anyone connects, each message is judged by the global guard. */
@WebSocketGateway({ namespace: '/paths-open' })
export class PathsOpenGateway {
  @SubscribeMessage('pool')
  pool(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }
}

/** Controllers and providers that serve every path; add the GraphQL module of the adapter. */
export const PATHS_METADATA = {
  controllers: [PathsController],
  providers: [PathsResolver, PathsCheckedGateway, PathsOpenGateway],
} satisfies ModuleMetadata;

/**
 * The same app on every adapter, started before the suite's tests (after the kits registered
 * before it) and closed after them.
 */
export function useAppOnEveryAdapter(
  metadata: (adapter: HttpAdapterName) => ModuleMetadata,
): Record<HttpAdapterName, RunningApp> {
  const apps = {} as Record<HttpAdapterName, RunningApp>;
  beforeAll(async () => {
    Object.assign(apps, await startOnEveryAdapter(metadata));
  });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.close()));
  });
  return apps;
}

/** graphql-ws connections a suite opens with `open(url, token?)`, closed after each test. */
export function useGraphqlWsConnections(): (url: string, token?: string) => Promise<GraphqlWsConnection> {
  const open: GraphqlWsConnection[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connection) => connection.close()));
  });
  return async (url, token) => {
    const connection = await connectGraphqlWs(url, token === undefined ? undefined : `Bearer ${token}`);
    open.push(connection);
    return connection;
  };
}

/** One operation's answer: its data, or its first error's code, status, reason, message and retry delay. */
export function operationOutcome(results: ExecutionResult[]): Record<string, unknown> {
  if (results.length !== 1) throw new Error(`expected one result, got ${results.length}`);
  const [{ data, errors }] = results;
  if (!errors?.length) return { data };
  const { code, status, reason, retryAfter } = (errors[0].extensions ?? {}) as Record<string, unknown>;
  return {
    data: data ?? null,
    error: { code, status, reason, message: errors[0].message, ...(retryAfter === undefined ? {} : { retryAfter }) },
  };
}

/** What an HTTP answer of the paths app says. */
function fromHttp(res: HttpResult): PathAnswer {
  if (res.status === 200) return { status: 200, userPoolId: res.json().userPoolId };
  const retryAfter = res.headers['retry-after'];
  return { status: res.status, ...(retryAfter === undefined ? {} : { retryAfter: Number(retryAfter) }) };
}

/** What a GraphQL answer of `{ pool }` says: the status is in the error's extensions. */
function fromGraphql(result: ExecutionResult): PathAnswer {
  const error = result.errors?.[0];
  if (!error) return { status: 200, userPoolId: (result.data as { pool: string }).pool };
  const { status, retryAfter } = (error.extensions ?? {}) as { status?: number; retryAfter?: number };
  return { status: status ?? 500, ...(retryAfter === undefined ? {} : { retryAfter }) };
}

/** What a socket.io refusal says. */
function fromSocket(data: { status: number; retryAfter?: number }): PathAnswer {
  return { status: data.status, ...(data.retryAfter === undefined ? {} : { retryAfter: data.retryAfter }) };
}

/** The answer of one path of the paths app to a token (none when undefined). */
export async function askPath(
  path: PathName,
  app: RunningApp,
  token: string | undefined,
  sockets: SocketClients,
): Promise<PathAnswer> {
  const headers = token === undefined ? {} : bearer(token);
  const auth = token === undefined ? {} : { token };
  switch (path) {
    case 'rest':
      return fromHttp(await get(`${app.url}/paths/pool`, headers));
    case 'passport':
      return fromHttp(await get(`${app.url}/paths/passport`, headers));
    case 'graphql':
      return fromGraphql((await postQuery(app.url, '{ pool }', headers)).json());
    case 'graphql-ws': {
      const ws = await connectGraphqlWs(app.url, token === undefined ? undefined : `Bearer ${token}`);
      const [result] = await ws.run('{ pool }').finally(() => ws.close());
      return fromGraphql(result);
    }
    case 'handshake': {
      let socket;
      try {
        socket = await sockets.connect(`${app.url}/paths-checked`, { auth });
      } catch (error) {
        return fromSocket((error as { data: { status: number; retryAfter?: number } }).data);
      }
      return fromReply(await ask(socket, 'pool'));
    }
    case 'message': {
      const socket = await sockets.connect(`${app.url}/paths-open`, { auth });
      return fromReply(await ask(socket, 'pool'));
    }
    case 'lambda':
      return fromHttp(await getViaLambda(app, '/paths/pool', headers));
    case 'verifier': {
      if (token === undefined) return { status: 401 };
      const verifier = app.app.get(CognitoTokenVerifier);
      return verifier.verify(token).then(
        (user) => ({ status: 200, userPoolId: user.userPoolId }),
        (error: unknown) => {
          const answer = toHttpException(error);
          const retryAfter = (answer as { headers?: Record<string, string> }).headers?.['Retry-After'];
          return {
            status: answer.getStatus(),
            ...(retryAfter === undefined ? {} : { retryAfter: Number(retryAfter) }),
          };
        },
      );
    }
  }
}

interface LambdaResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

const lambdaProxies = new WeakMap<RunningApp, Promise<(event: unknown) => Promise<LambdaResponse>>>();

/**
 * The app as a Lambda function: its own Express or Fastify instance behind
 * `@codegenie/serverless-express` or `@fastify/aws-lambda`, as the sample app's Lambda handler
 * wraps it (the instance also listens on loopback, which the proxies do not use).
 */
function lambdaProxyOf(app: RunningApp): Promise<(event: unknown) => Promise<LambdaResponse>> {
  let proxy = lambdaProxies.get(app);
  if (!proxy) {
    proxy = makeLambdaProxy(app);
    lambdaProxies.set(app, proxy);
  }
  return proxy;
}

async function makeLambdaProxy(app: RunningApp): Promise<(event: unknown) => Promise<LambdaResponse>> {
  const adapter = app.app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    const { default: awsLambdaFastify } = await import('@fastify/aws-lambda');
    const proxy = awsLambdaFastify(adapter.getInstance(), { decorateRequest: false });
    return (event) => proxy(event as never, lambdaContext() as never) as Promise<LambdaResponse>;
  }
  const { configure } = await import('@codegenie/serverless-express');
  const proxy = configure({ app: adapter.getInstance() });
  return (event) => proxy(event as never, lambdaContext() as never, () => undefined) as Promise<LambdaResponse>;
}

/** A GET of `path` with the app invoked as a Lambda function, by an HTTP API (payload 2.0) event. */
export async function getViaLambda(
  app: RunningApp,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const invoke = await lambdaProxyOf(app);
  const response = await invoke(apiGatewayV2Event({ path, headers }));
  return {
    status: response.statusCode,
    headers: lowerCaseKeys(response.headers ?? {}),
    body: response.body,
    json: () => JSON.parse(response.body),
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function fromReply(reply: Awaited<ReturnType<typeof ask>>): PathAnswer {
  if ('exception' in reply) return fromSocket(reply.exception);
  return { status: 200, userPoolId: (reply.ack as { userPoolId: string }).userPoolId };
}

/** The answer of every path to one token, by path: the paths are asked together, as concurrent clients would. */
export async function askEveryPath(
  app: RunningApp,
  token: string | undefined,
  sockets: SocketClients,
): Promise<Record<PathName, PathAnswer>> {
  const answers = await Promise.all(PATHS.map((path) => askPath(path, app, token, sockets)));
  sockets.closeAll();
  return Object.fromEntries(PATHS.map((path, index) => [path, answers[index]])) as Record<PathName, PathAnswer>;
}

/** `answer` on every path: what `askEveryPath` resolves to when every path agrees. */
export const onEveryPath = (answer: PathAnswer): Record<PathName, PathAnswer> =>
  Object.fromEntries(PATHS.map((path) => [path, answer])) as Record<PathName, PathAnswer>;
