/**
 * The app's own user (`transformUser`) on the paths its other suites leave out: GraphQL over
 * WebSockets (graphql-ws), and socket.io messages on a gateway whose handshake admits anyone, so
 * that each message is judged by the global guard. The principal is what `@CurrentUser()` gives,
 * it is made once per token, a refusal of the transformer gets the path's own answer, and a
 * token refused since its principal was made is refused without a call. One app per adapter;
 * real graphql-ws and socket.io clients, the kit's real JWKS server.
 */
import { randomUUID } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { Query, Resolver, Subscription } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  COGNITO_AUTH_CHANNELS,
  type CognitoAuthenticateEvent,
  CognitoAuthModule,
  CognitoRevocationService,
  CognitoTokenVerifier,
  CurrentCognitoUser,
  CurrentUser,
  InvalidTokenError,
  Public,
} from 'nestjs-cognito-auth';
import { beforeEach, describe, expect, it } from 'vitest';
import { nowSeconds } from './support/auth-e2e.js';
import { errorLines } from './support/error-log.js';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { type AppUser, IdentityResolver, TransformerProbe } from './support/identity.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import {
  askEveryPath,
  askPath,
  onEveryPath,
  PATHS,
  operationOutcome,
  PATHS_METADATA,
  useAppOnEveryAdapter,
  useGraphqlWsConnections,
} from './support/paths-app.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS } from './support/test-app.js';
import { useChannelEvents } from './support/channel-events.js';

const TRANSFORM_TIMEOUT_MS = 300;

/** Beside IdentityResolver's `appId` and `cognitoSub`: a public field and a subscription. */
@Resolver()
class PrincipalResolver {
  @Public()
  @Query(() => String)
  maybeAppId(@CurrentUser() principal: AppUser | null): string {
    return principal?.appId ?? 'nobody';
  }

  /** Sends the subscriber's principal once and completes. */
  @Subscription(() => String, { resolve: (appId: string) => appId })
  principalEvents(@CurrentUser() principal: AppUser): AsyncIterableIterator<string> {
    return (async function* () {
      yield principal.appId;
    })();
  }
}

/** No handshake check: every message is judged on its own by the global guard. */
@WebSocketGateway({ namespace: '/principal' })
class PrincipalGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() principal: AppUser, @CurrentCognitoUser('sub') sub: string) {
    return { appId: principal.appId, sub };
  }
}

const kit = useKit();
const probe = new TransformerProbe();
const apps = useAppOnEveryAdapter((adapter) => ({
  imports: [
    CognitoAuthModule.forRoot({
      ...kit.moduleOptions(),
      transformUser: probe.transform,
      transformUserTimeoutMs: TRANSFORM_TIMEOUT_MS,
    }),
    graphqlWsModule(adapter),
  ],
  controllers: PATHS_METADATA.controllers,
  providers: [IdentityResolver, PrincipalResolver, PrincipalGateway, ...PATHS_METADATA.providers],
}));
const openGraphqlWs = useGraphqlWsConnections();
const sockets = useSocketClients();
beforeEach(() => probe.reset());
const attempts = useChannelEvents<CognitoAuthenticateEvent>(COGNITO_AUTH_CHANNELS.authenticate);

const unauthenticated = (message: string) => ({
  code: 'UNAUTHENTICATED',
  status: 401,
  reason: expect.any(String),
  message,
});

describe('graphql-ws: @CurrentUser() is the principal, @CurrentCognitoUser() the Cognito user', () => {
  it.each(ADAPTERS)('in a query and a subscription (%s)', async (adapter) => {
    const sub = `ws-${adapter}`;
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub }));
    expect(operationOutcome(await ws.run('{ appId cognitoSub }'))).toEqual({
      data: { appId: `app-${sub}`, cognitoSub: sub },
    });
    expect(operationOutcome(await ws.run('subscription { principalEvents }'))).toEqual({
      data: { principalEvents: `app-${sub}` },
    });
  });
});

describe('graphql-ws: one transformer call per token, however many operations and fields', () => {
  it.each(ADAPTERS)('three operations on one connection, aliases included: one call (%s)', async (adapter) => {
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken());
    await ws.run('{ a: appId b: appId }');
    await ws.run('{ appId }');
    await ws.run('subscription { principalEvents }');
    expect(probe.calls).toBe(1);
    expect(ws.connections()).toBe(1);
  });

  it.each(ADAPTERS)('a second connection with a new token of the same user: a second call (%s)', async (adapter) => {
    const first = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub: 'same-user' }));
    const second = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub: 'same-user' }));
    await first.run('{ appId }');
    await second.run('{ appId }');
    expect(probe.calls).toBe(2);
  });
});

describe("graphql-ws: the transformer's refusals get GraphQL's answer, the connection stays open", () => {
  const cases: Array<[string, () => unknown, Record<string, unknown>]> = [
    ['null: UNAUTHENTICATED, user not found', () => null, unauthenticated('The user is not known to this application')],
    [
      'an InvalidTokenError: UNAUTHENTICATED with its description',
      () => {
        throw new InvalidTokenError('user_not_found', 'The account was deleted');
      },
      unauthenticated('The account was deleted'),
    ],
    [
      'a ForbiddenException: FORBIDDEN, as thrown',
      () => {
        throw new ForbiddenException('Suspended account');
      },
      { code: 'FORBIDDEN', status: 403, reason: expect.any(String), message: 'Suspended account' },
    ],
    [
      'anything else thrown: SERVICE_UNAVAILABLE with a retry delay',
      () => {
        throw new Error('directory down');
      },
      {
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        reason: expect.any(String),
        message: expect.any(String),
        retryAfter: 5,
      },
    ],
    [
      'a string: SERVICE_UNAVAILABLE with a retry delay',
      () => 'not a principal',
      {
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        reason: expect.any(String),
        message: expect.any(String),
        retryAfter: 5,
      },
    ],
  ];

  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(cases)('%s', async (_case, answer, error) => {
      probe.answer = answer;
      const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken());
      expect(operationOutcome(await ws.run('{ appId }'))).toEqual({ data: null, error });
      expect(operationOutcome(await ws.run('subscription { principalEvents }'))).toMatchObject({ error });
      probe.reset();
      expect(operationOutcome(await ws.run('{ appId }'))).toEqual({ data: { appId: expect.stringMatching(/^app-/) } });
      expect(ws.connections()).toBe(1);
    });
  });

  it.each(ADAPTERS)('no answer in time: SERVICE_UNAVAILABLE and the signal aborted (%s)', async (adapter) => {
    probe.delayMs = TRANSFORM_TIMEOUT_MS * 3;
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken());
    const startedAt = Date.now();
    expect(operationOutcome(await ws.run('{ appId }'))).toMatchObject({
      data: null,
      error: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: 5 },
    });
    expect(Date.now() - startedAt).toBeLessThan(TRANSFORM_TIMEOUT_MS * 3);
    expect(probe.signals[0]?.aborted).toBe(true);
  });
});

describe('graphql-ws: on a @Public() field, a refusal of the transformer leaves the user null', () => {
  it.each(ADAPTERS)('null and a throw: the field answers for nobody (%s)', async (adapter) => {
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub: 'public-field' }));
    expect(operationOutcome(await ws.run('{ maybeAppId }'))).toEqual({ data: { maybeAppId: 'app-public-field' } });
    for (const answer of [
      () => null,
      () => {
        throw new Error('down');
      },
    ]) {
      probe.answer = answer;
      const other = await openGraphqlWs(apps[adapter].url, kit.accessToken());
      expect(operationOutcome(await other.run('{ maybeAppId }'))).toEqual({ data: { maybeAppId: 'nobody' } });
    }
  });
});

describe('graphql-ws: a principal never outlives its token on an open connection', () => {
  it.each(ADAPTERS)('a session revoked after its principal was made: refused, no call (%s)', async (adapter) => {
    const session = randomUUID();
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub: 'leaving', origin_jti: session }));
    expect(operationOutcome(await ws.run('{ appId }'))).toEqual({ data: { appId: 'app-leaving' } });
    await apps[adapter].app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(operationOutcome(await ws.run('{ appId }'))).toEqual({
      data: null,
      error: unauthenticated('The token has been revoked'),
    });
    expect(probe.calls).toBe(1);
  });
});

describe('graphql-ws: forgetUser(sub) drops the principal an open connection uses', () => {
  it.each(ADAPTERS)('the next operation makes a new one (%s)', async (adapter) => {
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken({ sub: 'forgotten' }));
    await ws.run('{ appId }');
    await ws.run('{ appId }');
    expect(probe.calls).toBe(1);
    apps[adapter].app.get(CognitoTokenVerifier).forgetUser('forgotten');
    expect(operationOutcome(await ws.run('{ appId }'))).toEqual({ data: { appId: 'app-forgotten' } });
    expect(probe.calls).toBe(2);
  });
});

describe('socket.io messages judged one by one: @CurrentUser() is the principal, refusals are socket errors', () => {
  it.each(ADAPTERS)('a message sees the principal; a second message makes no call (%s)', async (adapter) => {
    const sub = `message-${adapter}`;
    const socket = await sockets.connect(`${apps[adapter].url}/principal`, {
      auth: { token: kit.accessToken({ sub }) },
    });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { appId: `app-${sub}`, sub } });
    expect(await ask(socket, 'whoami')).toEqual({ ack: { appId: `app-${sub}`, sub } });
    expect(probe.calls).toBe(1);
  });

  it.each(ADAPTERS)(
    'null → 401 invalid_token, a throw → 503 with retryAfter, a 403 as thrown (%s)',
    async (adapter) => {
      const url = `${apps[adapter].url}/principal`;
      const refusalOf = async (answer: () => unknown) => {
        probe.answer = answer;
        const socket = await sockets.connect(url, { auth: { token: kit.accessToken() } });
        const reply = await ask(socket, 'whoami');
        return 'exception' in reply ? reply.exception : reply;
      };
      expect(await refusalOf(() => null)).toEqual({
        status: 401,
        error: 'invalid_token',
        message: 'The user is not known to this application',
      });
      expect(
        await refusalOf(() => {
          throw new Error('down');
        }),
      ).toMatchObject({ status: 503, error: 'unavailable', retryAfter: 5 });
      expect(
        await refusalOf(() => {
          throw new ForbiddenException('Suspended account');
        }),
      ).toMatchObject({ status: 403, message: 'Suspended account' });
    },
  );
});

describe("the transformer's answer gets the same status on every path; verify() never asks it", () => {
  const cases: Array<[string, () => unknown, number, number?]> = [
    ['null: 401', () => null, 401],
    [
      'a ForbiddenException: 403',
      () => {
        throw new ForbiddenException('Suspended account');
      },
      403,
    ],
    [
      'anything else thrown: 503 with Retry-After',
      () => {
        throw new Error('directory down');
      },
      503,
      5,
    ],
  ];

  describe.each(ADAPTERS)('%s', (adapter) => {
    it('an object: admitted everywhere', async () => {
      expect(await askEveryPath(apps[adapter], kit.accessToken(), sockets)).toEqual(
        onEveryPath({ status: 200, userPoolId: kit.userPoolId }),
      );
    });

    it.each(cases)('%s', async (_case, answer, status, retryAfter) => {
      probe.answer = answer;
      const answers = await askEveryPath(apps[adapter], kit.accessToken(), sockets);
      expect(answers).toEqual({
        ...onEveryPath({ status, ...(retryAfter === undefined ? {} : { retryAfter }) }),
        verifier: { status: 200, userPoolId: kit.userPoolId },
      });
    });
  });
});

describe('one transformer call per token on every path', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(PATHS)('%s: two requests with one new token, one call (none for the verifier)', async (path) => {
      const token = kit.accessToken();
      for (let i = 0; i < 2; i++) {
        expect(await askPath(path, apps[adapter], token, sockets)).toMatchObject({ status: 200 });
      }
      expect(probe.calls).toBe(path === 'verifier' ? 0 : 1);
    });
  });
});

describe("a transformer's refusal is a failed authentication attempt on every path", () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(PATHS.filter((path) => path !== 'verifier'))(
      '%s: each authenticate event says user_not_found, 401',
      async (path) => {
        probe.answer = () => null;
        await askPath(path, apps[adapter], kit.accessToken(), sockets);
        expect(attempts.length).toBeGreaterThan(0);
        for (const event of attempts) {
          expect(event).toMatchObject({ result: 'failure', reason: 'user_not_found', status: 401 });
        }
      },
    );
  });
});

describe("the verifier's authenticate() gives the same read-only principal", () => {
  it.each(ADAPTERS)('a Set and a Date in it throw on change (%s)', async (adapter) => {
    probe.answer = (user) => ({ sub: user.sub, roles: new Set(['user']), since: new Date(0) });
    const verifier = apps[adapter].app.get(CognitoTokenVerifier);
    const { principal } = await verifier.authenticate<{ roles: Set<string>; since: Date }>(kit.accessToken());
    expect(() => principal.roles.add('admin')).toThrow(TypeError);
    expect(() => principal.since.setUTCFullYear(1999)).toThrow(TypeError);
    expect({ roles: [...principal.roles], since: principal.since.getTime() }).toEqual({ roles: ['user'], since: 0 });
  });
});

describe('these refusals write nothing at error level', () => {
  it.each(ADAPTERS)('a transformer answering null, over graphql-ws and a socket.io message (%s)', async (adapter) => {
    const since = apps[adapter].logs.lines.length;
    probe.answer = () => null;
    const ws = await openGraphqlWs(apps[adapter].url, kit.accessToken());
    await ws.run('{ appId }');
    const socket = await sockets.connect(`${apps[adapter].url}/principal`, { auth: { token: kit.accessToken() } });
    await ask(socket, 'whoami');
    expect(errorLines(apps[adapter].logs, since)).toEqual([]);
  });
});
