/**
 * Public means public on every path with handlers: a `@Public()` REST route, the same app invoked
 * as a Lambda function, a `@Public()` GraphQL field over HTTP and over graphql-ws, and a
 * `@Public()` socket.io message answer a valid token's user (optional authentication), and
 * answer with no user, never a refusal, for no token or any refused one: expired, forged,
 * revoked, refused by `customCheck` with a 403 of its own, or of a pool whose key set cannot be
 * had. One app per adapter; real clients, real JWKS servers.
 */
import { randomUUID } from 'node:crypto';
import { Controller, ForbiddenException, Get } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CognitoAuthModule, CognitoRevocationService, CurrentUser, Public } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { nowSeconds } from './support/auth-e2e.js';
import { errorLines } from './support/error-log.js';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get } from './support/http.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { getViaLambda, operationOutcome, useAppOnEveryAdapter, useGraphqlWsConnections } from './support/paths-app.js';
import { graphql } from './support/policy-e2e.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';

const NOBODY = 'nobody';

@Controller('public')
class PublicController {
  @Public()
  @Get()
  who(@CurrentUser('sub') sub: string | null) {
    return { sub: sub ?? NOBODY };
  }
}

@Resolver()
class PublicResolver {
  @Public()
  @Query(() => String)
  who(@CurrentUser('sub') sub: string | null): string {
    return sub ?? NOBODY;
  }
}

@WebSocketGateway({ namespace: '/public' })
class PublicGateway {
  @Public()
  @SubscribeMessage('who')
  who(@CurrentUser('sub') sub: string | null) {
    return { sub: sub ?? NOBODY };
  }
}

const kit = useKit();
/** A second pool whose key set answers 500 from the start: no key of it is ever had. */
const downKit = useKit({ userPoolId: 'eu-west-1_KeysDown' });
const apps = useAppOnEveryAdapter((adapter) => {
  downKit.setJwksBehaviour('error-500');
  return {
    imports: [
      CognitoAuthModule.forRoot({
        userPools: [kit.moduleOptions(), downKit.moduleOptions()],
        jwksRefetchIntervalMs: 60_000,
        customCheck: ({ payload }) => {
          if (payload.sub === 'suspended') throw new ForbiddenException('Suspended account');
        },
      }),
      graphqlWsModule(adapter),
    ],
    controllers: [PublicController],
    providers: [PublicResolver, PublicGateway],
  };
});
const sockets = useSocketClients();
const openGraphqlWs = useGraphqlWsConnections();

/** The user each path's public handler saw, with the status it answered with. */
async function whoOnEveryPath(app: RunningApp, token: string | undefined) {
  const headers = token === undefined ? {} : bearer(token);
  const overHttp = (res: { status: number; json(): { sub: string } }) => ({ status: res.status, sub: res.json().sub });
  const rest = overHttp(await get(`${app.url}/public`, headers));
  const lambda = overHttp(await getViaLambda(app, '/public', headers));
  const graphqlOverHttp = operationOutcome([await graphql(app, '{ who }', token)]);
  const ws = await openGraphqlWs(app.url, token);
  const graphqlWs = operationOutcome(await ws.run('{ who }'));
  const socket = await sockets.connect(`${app.url}/public`, { auth: token === undefined ? {} : { token } });
  const message = await ask(socket, 'who');
  return { rest, lambda, graphqlOverHttp, graphqlWs, message };
}

const answeredFor = (sub: string) => ({
  rest: { status: 200, sub },
  lambda: { status: 200, sub },
  graphqlOverHttp: { data: { who: sub } },
  graphqlWs: { data: { who: sub } },
  message: { ack: { sub } },
});

describe('a valid token fills the user of a public handler on every path', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expect(await whoOnEveryPath(apps[adapter], kit.accessToken({ sub: 'visitor' }))).toEqual(answeredFor('visitor'));
  });
});

describe('no token, or a refused one, leaves the user null on every path: never a refusal', () => {
  const revokedToken = async (adapter: HttpAdapterName) => {
    const session = randomUUID();
    const token = kit.accessToken({ origin_jti: session });
    await apps[adapter].app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    return token;
  };
  const cases: Array<[string, (adapter: HttpAdapterName) => Promise<string | undefined> | string | undefined]> = [
    ['no token', () => undefined],
    ['an expired token', () => kit.accessToken({}, { expiresIn: -60 })],
    ['a forged signature', () => kit.accessToken({}, { key: kit.generateKey(), header: { kid: kit.currentKey.kid } })],
    ['a revoked session', revokedToken],
    ['a 403 from the custom check', () => kit.accessToken({ sub: 'suspended' })],
    ['a pool whose key set cannot be had', () => downKit.accessToken()],
  ];

  describe.each(ADAPTERS)('%s', (adapter) => {
    it.each(cases)('%s', async (_case, token) => {
      expect(await whoOnEveryPath(apps[adapter], await token(adapter))).toEqual(answeredFor(NOBODY));
    });
  });

  it.each(ADAPTERS)('and logs no refusal at error level, only the failed key-set download (%s)', (adapter) => {
    // A key set that cannot be downloaded is the server's trouble, reported as such; the refusals are not.
    const refusals = errorLines(apps[adapter].logs).filter((line) => !line.includes('Could not download the key set'));
    expect(refusals).toEqual([]);
  });
});
