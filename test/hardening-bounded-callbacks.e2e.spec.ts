/**
 * Callbacks of the app that the module awaits are bounded, and a misbehaving one is logged once
 * per kind, not once per request: a `customCheck` that never settles is answered 503 with
 * `Retry-After` within `callbackTimeoutMs`; a `tokenExtractor` that throws is answered 401
 * (never 500); both alike over REST, Passport, GraphQL, the socket.io handshake and gateway
 * messages. Real apps on both adapters, real HTTP and socket.io clients, the kit's real JWKS server.
 */
import { CognitoAuthModule, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { useApp, useKit, useSocketClients } from './support/kit-app.js';
import { errorLines } from './support/error-log.js';
import { startEveryPathApp } from './support/every-path-app.js';
import { MeController } from './support/fixture-app.js';
import { postQuery, testGraphqlModule } from './support/graphql-app.js';
import { bearer, get, type HttpResult } from './support/http.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

const CALLBACK_TIMEOUT_MS = 200;
/** What the answer may take past the bound on a shared, busy machine: far below the default bound of 5 s. */
const SLACK_MS = 1_500;
const REQUESTS = 5;

const CUSTOM_CHECK_TIMED_OUT = /customCheck did not answer within \d+ ms/;
const EXTRACTOR_THREW = /tokenExtractor threw (TypeError|RangeError)/;

/**
 * What each kind of misbehaving callback logged, over every app of this file. Once per kind:
 * at most one line per app however many requests it answered, and at least one in the process
 * (the module may report a kind once per process: Nest's logger is static, and the lines of a
 * later app can be the ones an earlier app already reported).
 */
const logged = new Map<RegExp, string[]>([
  [CUSTOM_CHECK_TIMED_OUT, []],
  [EXTRACTOR_THREW, []],
]);

function expectLoggedAtMostOnce(app: RunningApp, since: number, kind: RegExp): void {
  const errors = errorLines(app.logs, since);
  expect(errors.length, errors.join('\n')).toBeLessThanOrEqual(1);
  for (const line of errors) expect(line).toMatch(kind);
  logged.get(kind)!.push(...errors);
}

const kit = useKit();

/** An app with a `/me` route and these options, started before the suite's tests and closed after them. */
function appWith(adapter: (typeof ADAPTERS)[number], options: () => Partial<CognitoAuthOptions>): RunningApp {
  return useApp(() =>
    startApp(
      { imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options() })], controllers: [MeController] },
      { adapter },
    ),
  );
}

async function timed(request: () => Promise<HttpResult>): Promise<{ res: HttpResult; ms: number }> {
  const started = performance.now();
  const res = await request();
  return { res, ms: performance.now() - started };
}

describe.each(ADAPTERS)('a customCheck that never settles is bounded by callbackTimeoutMs (%s)', (adapter) => {
  let calls = 0;
  const app = appWith(adapter, () => ({
    callbackTimeoutMs: CALLBACK_TIMEOUT_MS,
    customCheck: () => {
      calls += 1;
      return new Promise<void>(() => undefined);
    },
  }));

  it(`answers 503 with Retry-After within ${CALLBACK_TIMEOUT_MS} ms, five times, and logs it once`, async () => {
    const since = app.logs.lines.length;
    const token = kit.accessToken();
    for (let i = 0; i < REQUESTS; i++) {
      const { res, ms } = await timed(() => get(`${app.url}/me`, bearer(token)));
      expect({
        status: res.status,
        retryAfter: res.headers['retry-after'],
        challenge: res.headers['www-authenticate'],
      }).toEqual({ status: 503, retryAfter: '5', challenge: undefined });
      expect(res.json()).toMatchObject({ statusCode: 503 });
      expect(ms).toBeGreaterThanOrEqual(CALLBACK_TIMEOUT_MS - 5);
      expect(ms).toBeLessThan(CALLBACK_TIMEOUT_MS + SLACK_MS);
    }
    expect(calls).toBe(REQUESTS);
    expectLoggedAtMostOnce(app, since, CUSTOM_CHECK_TIMED_OUT);
    expect(app.logs.text()).not.toContain(token);
  });
});

describe.each(ADAPTERS)('a tokenExtractor that throws is answered 401 and logged once (%s)', (adapter) => {
  let calls = 0;
  const app = appWith(adapter, () => ({
    tokenExtractor: () => {
      calls += 1;
      throw new TypeError('cannot read properties of undefined');
    },
  }));

  it('answers 401 invalid_token to five requests, never 500, and logs one line', async () => {
    const since = app.logs.lines.length;
    const token = kit.accessToken();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await get(`${app.url}/me`, bearer(token));
      expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
        status: 401,
        challenge: expect.stringMatching(/^Bearer error="invalid_token"/),
      });
      expect(res.json()).toMatchObject({ statusCode: 401 });
    }
    expect(calls).toBe(REQUESTS);
    expectLoggedAtMostOnce(app, since, EXTRACTOR_THREW);
    expect(app.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
    expect(app.logs.text()).not.toContain(token);
  });
});

/** REST, Passport, GraphQL over HTTP, a socket.io handshake and gateway messages, in one app. */
function everyPathApp(adapter: (typeof ADAPTERS)[number], options: () => Partial<CognitoAuthOptions>): RunningApp {
  return useApp(() => startEveryPathApp({ ...kit.moduleOptions(), ...options() }, adapter, testGraphqlModule(adapter)));
}

/** Status, `WWW-Authenticate` and `Retry-After` of an HTTP answer. */
const httpAnswer = (res: HttpResult) => ({
  status: res.status,
  challenge: res.headers['www-authenticate'],
  retryAfter: res.headers['retry-after'],
});

/** A misbehaving callback, and what every path answers while it misbehaves. */
interface EveryPathCase {
  readonly title: string;
  readonly test: string;
  readonly options: () => Partial<CognitoAuthOptions>;
  /** Status, `WWW-Authenticate` and `Retry-After` of REST and Passport. */
  readonly http: ReturnType<typeof httpAnswer>;
  /** The extensions of GraphQL's one error. */
  readonly graphql: unknown;
  readonly graphqlRetryAfter: string | undefined;
  /** Part of the handshake's refusal. */
  readonly handshake: Record<string, unknown>;
  /** Part of the gateway message's exception. */
  readonly message: Record<string, unknown>;
  readonly logged: RegExp;
}

const EVERY_PATH_CASES: readonly EveryPathCase[] = [
  {
    title: 'a customCheck that never settles: 503 on every path, logged once',
    test: 'REST, Passport, GraphQL, the handshake and a gateway message all answer 503 with a retry delay',
    options: () => ({ callbackTimeoutMs: CALLBACK_TIMEOUT_MS, customCheck: () => new Promise<void>(() => undefined) }),
    http: { status: 503, challenge: undefined, retryAfter: '5' },
    graphql: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryAfter: 5 }),
    graphqlRetryAfter: '5',
    handshake: { status: 503, retryAfter: 5 },
    message: { status: 503, retryAfter: 5 },
    logged: CUSTOM_CHECK_TIMED_OUT,
  },
  {
    title: 'a tokenExtractor that throws: 401 on every path, logged once',
    test: 'REST, Passport, GraphQL, the handshake and a gateway message all answer 401, never 500',
    options: () => ({
      tokenExtractor: () => {
        throw new RangeError('the extractor is broken');
      },
    }),
    http: { status: 401, challenge: expect.stringMatching(/^Bearer error="invalid_token"/), retryAfter: undefined },
    graphql: expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    graphqlRetryAfter: undefined,
    handshake: { status: 401, error: 'invalid_token' },
    message: { status: 401, error: 'invalid_token' },
    logged: EXTRACTOR_THREW,
  },
];

describe.each(EVERY_PATH_CASES.flatMap((c) => ADAPTERS.map((adapter) => [c.title, adapter, c] as const)))(
  '%s (%s)',
  (_title, adapter, { test, options, http, graphql, graphqlRetryAfter, handshake, message, logged: kind }) => {
    const app = everyPathApp(adapter, options);
    const sockets = useSocketClients();

    it(test, async () => {
      const since = app.logs.lines.length;
      const token = kit.accessToken();
      expect(httpAnswer(await get(`${app.url}/me`, bearer(token)))).toEqual(http);
      expect(httpAnswer(await get(`${app.url}/passport`, bearer(token)))).toEqual(http);

      const answer = await postQuery(app.url, '{ me { sub } }', bearer(token));
      expect(answer.json().errors.map((error: any) => error.extensions)).toEqual([graphql]);
      expect(answer.headers['retry-after']).toBe(graphqlRetryAfter);

      expect(await sockets.refusal(`${app.url}/checked`, { auth: { token } })).toMatchObject(handshake);
      const socket = await sockets.connect(`${app.url}/open`, { auth: { token } });
      expect(await ask(socket, 'whoami')).toEqual({ exception: expect.objectContaining(message) });

      expectLoggedAtMostOnce(app, since, kind);
      expect(app.logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
    });
  },
);

// Suites run in the order of the file: this one runs last and sees what every app logged.
describe('each misbehaving callback is reported', () => {
  it('at least once in the process, at most once per app', () => {
    for (const [kind, lines] of logged) expect(lines.length, `${kind} was never logged`).toBeGreaterThanOrEqual(1);
  });
});
