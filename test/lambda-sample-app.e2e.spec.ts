/**
 * The sample app on AWS Lambda (`sample-app/src/lambda.ts`) answers API Gateway payload 2.0,
 * payload 1.0 and ALB events as the same app answers over HTTP, on both adapters: statuses,
 * challenges, `Retry-After`, bodies; payload 2.0 cookies reach `tokenCookie`; one key-set
 * download per container; a failed bootstrap is tried again. The handler is invoked in process
 * with events AWS's schemas accept (see lambda-events.spec.ts), and the built handler once more
 * in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  albEvent,
  apiGatewayV1Event,
  apiGatewayV2Event,
  lambdaContext,
  type CognitoTestKit,
  type LambdaEventOptions,
} from 'nestjs-cognito-auth/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSampleLambda, type SampleLambda } from '../sample-app/src/lambda-handler.js';
import { get, type HttpResult } from './support/http.js';
import { useKit, useKitApp, usePerTestKitApp, useStarted } from './support/kit-app.js';
import { ADAPTERS, CapturedLogger, sampleEnv, startSampleApp } from './support/test-app.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What a Lambda HTTP answer says, whichever event kind it answers: lower-case headers, a text body. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  cookies: string[];
}

interface LambdaHttpResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

function answerOf(result: unknown): Answer {
  const response = result as LambdaHttpResult;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(response.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String).join(', ');
  }
  const body = response.isBase64Encoded ? Buffer.from(response.body ?? '', 'base64').toString() : (response.body ?? '');
  const setCookie = headers['set-cookie'];
  return { status: response.statusCode, headers, body, cookies: response.cookies ?? (setCookie ? [setCookie] : []) };
}

/** The parts of an answer a client relies on (Nest's own headers such as x-powered-by aside). */
const essentials = (answer: { status: number; headers: Record<string, unknown>; body: string }) => ({
  status: answer.status,
  wwwAuthenticate: answer.headers['www-authenticate'],
  retryAfter: answer.headers['retry-after'],
  contentType: String(answer.headers['content-type'] ?? '').split(';')[0],
  body: answer.body,
});

const EVENT_KINDS = [
  ['HTTP API (payload 2.0)', apiGatewayV2Event],
  ['REST API (payload 1.0)', apiGatewayV1Event],
  ['ALB', albEvent],
  ['ALB with multi-value headers', (options: LambdaEventOptions) => albEvent({ ...options, multiValueHeaders: true })],
] as const;

function invoke(lambda: SampleLambda, event: unknown): Promise<Answer> {
  return lambda.handler(event, lambdaContext() as never).then(answerOf);
}

describe.each(ADAPTERS)('the sample app on Lambda answers as on a server (%s)', (adapter) => {
  const logs = new CapturedLogger();
  /** A container of the sample app with `env` over the kit's variables, closed after the suite. */
  const useLambda = (kit: CognitoTestKit, env: Record<string, string> = {}, bootstrap = true) =>
    useStarted(
      async () => {
        const container = createSampleLambda({ ...sampleEnv(kit), HTTP_ADAPTER: adapter, ...env }, { logger: logs });
        if (bootstrap) await container.bootstrap();
        return container;
      },
      (container) => container.close(),
      'Lambda container',
    );

  const { kit, app: server } = useKitApp((kit) => startSampleApp(kit, { adapter }));
  const { kit: downKit, app: downServer } = useKitApp((kit) => {
    kit.setJwksBehaviour('error-500');
    return startSampleApp(kit, { adapter });
  });
  const lambda = useLambda(kit);
  const downLambda = useLambda(downKit, {}, false);

  const startFresh = usePerTestKitApp();
  const containers: SampleLambda[] = [];
  afterEach(async () => {
    await Promise.all(containers.splice(0).map((container) => container.close()));
  });

  /** A kit of its own and a container of the sample app with it (not bootstrapped), closed after the test. */
  async function freshLambda(env: Record<string, string> = {}) {
    const fresh = await startFresh.kit();
    const container = createSampleLambda({ ...sampleEnv(fresh), HTTP_ADAPTER: adapter, ...env }, { logger: logs });
    containers.push(container);
    return { fresh, container };
  }

  const CASES: ReadonlyArray<
    [name: string, path: string, status: number, authorization: () => string | undefined, target?: 'down']
  > = [
    ['a public route', '/health', 200, () => undefined],
    ['a valid token', '/me', 200, () => `Bearer ${kit.accessToken({ sub: 'fixed-sub', username: 'alice', exp: 4e9 })}`],
    ['no token', '/me', 401, () => undefined],
    ['an expired token', '/me', 401, () => `Bearer ${kit.accessToken({}, { expiresIn: -3600 })}`],
    ['junk', '/me', 401, () => 'Bearer not.a.jwt'],
    ['a group rule that refuses', '/admin', 403, () => `Bearer ${kit.accessToken({ 'cognito:groups': ['staff'] })}`],
    ['a missing scope', '/orders', 403, () => `Bearer ${kit.accessToken({ scope: 'openid' })}`],
    ['an Authorization value holding a comma', '/me', 400, () => `Bearer ${kit.accessToken()}, Bearer x`],
    ['a key set that cannot be had', '/me', 503, () => `Bearer ${downKit.accessToken()}`, 'down'],
  ];

  describe.each(EVENT_KINDS)('%s events', (_kind, buildEvent) => {
    it.each(CASES)('%s: GET %s → %i, as the server answers', async (_name, path, status, authorization, target) => {
      const value = authorization();
      const headers: Record<string, string> = value === undefined ? {} : { Authorization: value };
      const [fromLambda, fromServer] = await Promise.all([
        invoke(target === 'down' ? downLambda : lambda, buildEvent({ path, headers })),
        get(`${(target === 'down' ? downServer : server).url}${path}`, headers),
      ]);
      expect(fromLambda.status).toBe(status);
      expect(essentials(fromLambda)).toEqual(essentials(fromServer as HttpResult));
    });
  });

  it('payload 2.0 turns two Authorization headers into one value with a comma: 400 invalid_request', async () => {
    const token = kit.accessToken();
    const event = apiGatewayV2Event({
      path: '/me',
      headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] },
    });
    const answer = await invoke(lambda, event);
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
  });

  it('payload 1.0 sends two Authorization headers in multiValueHeaders: 400 invalid_request', async () => {
    const token = kit.accessToken();
    const event = apiGatewayV1Event({
      path: '/me',
      headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] },
    });
    expect((await invoke(lambda, event)).status).toBe(400);
  });

  it('one key-set download over 60 invocations of every event kind', async () => {
    const { fresh, container } = await freshLambda();
    const tokens = Array.from({ length: 6 }, (_, i) => fresh.accessToken({ username: `user-${i}` }));
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const buildEvent = EVENT_KINDS[i % EVENT_KINDS.length][1];
      const answer = await invoke(
        container,
        buildEvent({ path: '/me', headers: { authorization: `Bearer ${tokens[i % 6]}` } }),
      );
      statuses.push(answer.status);
    }
    expect(statuses).toEqual(Array(60).fill(200));
    expect(fresh.jwksRequestCount).toBe(1);
  });

  it('COGNITO_PRELOAD_KEYS=best-effort: the key set is downloaded by the bootstrap, before any invocation', async () => {
    const { fresh, container } = await freshLambda({ COGNITO_PRELOAD_KEYS: 'best-effort' });
    await container.bootstrap();
    expect(fresh.jwksRequestCount).toBe(1);
    const answer = await invoke(
      container,
      apiGatewayV2Event({ path: '/me', headers: { authorization: `Bearer ${fresh.accessToken()}` } }),
    );
    expect(answer.status).toBe(200);
    expect(fresh.jwksRequestCount).toBe(1);
  });

  it('a failed bootstrap is not kept: the next invocation bootstraps again', async () => {
    const { fresh, container } = await freshLambda({ COGNITO_PRELOAD_KEYS: 'required' });
    fresh.setJwksBehaviour('error-500');
    const event = () => apiGatewayV2Event({ path: '/me', headers: { authorization: `Bearer ${fresh.accessToken()}` } });
    await expect(container.handler(event(), lambdaContext() as never)).rejects.toThrow(/preload failed/);
    fresh.setJwksBehaviour('ok');
    expect((await invoke(container, event())).status).toBe(200);
  });

  describe('payload 2.0 cookies reach tokenCookie', () => {
    const cookieLambda = useLambda(kit, { COGNITO_TOKEN_COOKIE: 'id_token' });

    it('the token in the cookies list authenticates', async () => {
      const token = kit.accessToken({ username: 'cookie-user' });
      const answer = await invoke(
        cookieLambda,
        apiGatewayV2Event({ path: '/me', cookies: ['theme=dark', `id_token=${token}`] }),
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ username: 'cookie-user' });
    });

    it('two different values of the cookie: 400, as over HTTP', async () => {
      const event = apiGatewayV2Event({
        path: '/me',
        cookies: [`id_token=${kit.accessToken()}`, `id_token=${kit.accessToken({ username: 'x' })}`],
      });
      expect((await invoke(cookieLambda, event)).status).toBe(400);
    });
  });

  it('nothing secret in the logs, and no error logged for a refusal', () => {
    expect(logs.text()).not.toMatch(/eyJ[\w-]{10,}/);
  });
});

describe('the built Lambda handler in a second process (a second container)', () => {
  beforeAll(() => {
    if (!existsSync(`${ROOT}/sample-app/dist/lambda.js`) || !existsSync(`${ROOT}/dist/index.js`)) {
      throw new Error('The sample app is not built: run `npm run build` first');
    }
  });
  const kit = useKit();

  it.each(ADAPTERS)('%s: one more key-set download for the second container, and the same answers', async (adapter) => {
    const before = kit.jwksRequestCount;
    const script = `
      const { handler } = await import(${JSON.stringify(`${ROOT}/sample-app/dist/lambda.js`)});
      const { apiGatewayV2Event, lambdaContext } = await import('nestjs-cognito-auth/testing');
      const statuses = [];
      for (let i = 0; i < 5; i++) {
        const event = apiGatewayV2Event({ path: '/me', headers: { authorization: 'Bearer ' + process.env.TOKEN } });
        statuses.push((await handler(event, lambdaContext())).statusCode);
      }
      console.log(JSON.stringify(statuses));`;
    const env = {
      ...process.env,
      ...sampleEnv(kit),
      HTTP_ADAPTER: adapter,
      COGNITO_PRELOAD_KEYS: 'best-effort',
      TOKEN: kit.accessToken(),
    };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual([200, 200, 200, 200, 200]);
    expect(kit.jwksRequestCount - before).toBe(1);
  });
});
