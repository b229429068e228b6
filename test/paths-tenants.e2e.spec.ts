/**
 * Tenants on every path: with a `userPools` resolver (one pool per tenant, found by the token's
 * issuer), every path a token can take (REST, `AuthGuard('cognito-jwt')`, GraphQL over HTTP and
 * over graphql-ws, the socket.io handshake, a gateway message, the verifier, the app as a
 * Lambda function) admits each tenant's tokens with that tenant's pool, refuses an unknown
 * issuer with 401, answers 503 with a retry delay when the resolver fails, and keeps keys bound
 * to their pool. `@UserPools` limits handlers of every kind; the Lambda authorizer takes the
 * same resolver. One app per adapter; real clients, one real JWKS server per tenant.
 */
import { Controller, Get } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CognitoAuthModule, type CognitoUserPoolOptions, CurrentCognitoUser, UserPools } from 'nestjs-cognito-auth';
import { createCognitoAuthorizer } from 'nestjs-cognito-auth/lambda';
import { type CognitoTestKit, httpApiAuthorizerEvent } from 'nestjs-cognito-auth/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get } from './support/http.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import {
  askEveryPath,
  onEveryPath,
  operationOutcome,
  PATHS_METADATA,
  useAppOnEveryAdapter,
  useGraphqlWsConnections,
} from './support/paths-app.js';
import { graphql } from './support/policy-e2e.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS } from './support/test-app.js';

const POOL_A = 'eu-west-1_PathsA';
const POOL_B = 'us-east-1_PathsB';

/** A tenants table: the resolver answers from it, counts what it is asked, and throws for `broken`. */
class Tenants {
  readonly rows = new Map<string, CognitoUserPoolOptions>();
  readonly asked: string[] = [];
  readonly broken = new Set<string>();

  add(kit: CognitoTestKit): void {
    this.rows.set(kit.issuer, kit.moduleOptions());
  }

  readonly resolve = async (issuer: string): Promise<CognitoUserPoolOptions | null> => {
    this.asked.push(issuer);
    if (this.broken.has(issuer)) throw new Error('tenants table unavailable');
    return this.rows.get(issuer) ?? null;
  };
}

/** Handlers of every kind limited to pool A. */
@Controller('pool-a')
class PoolAController {
  @UserPools(POOL_A)
  @Get()
  poolA(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }
}

@Resolver()
class PoolAResolver {
  @UserPools(POOL_A)
  @Query(() => String)
  poolA(@CurrentCognitoUser('userPoolId') userPoolId: string): string {
    return userPoolId;
  }
}

@WebSocketGateway({ namespace: '/pool-a' })
class PoolAGateway {
  @UserPools(POOL_A)
  @SubscribeMessage('poolA')
  poolA(@CurrentCognitoUser('userPoolId') userPoolId: string) {
    return { userPoolId };
  }
}

// Kits with a pool id mint tokens with that pool's real Cognito issuer, which the resolver is
// asked about without an issuerPattern; their keys are served on loopback.
const tenantA = useKit({ userPoolId: POOL_A, clientId: 'a-client' });
const tenantB = useKit({ userPoolId: POOL_B, clientId: 'b-client' });
const stranger = useKit({ userPoolId: 'eu-west-1_Stranger' });
const broken = useKit({ userPoolId: 'eu-west-1_Broken' });
const misconfigured = useKit({ userPoolId: 'eu-west-1_Misconfigured' });
const newcomer = useKit({ userPoolId: 'ap-south-1_Newcomer' });
const tenants = new Tenants();
const apps = useAppOnEveryAdapter((adapter) => {
  tenants.add(tenantA);
  tenants.add(tenantB);
  tenants.add(newcomer);
  tenants.broken.add(broken.issuer);
  // A row whose key-set URL is plain HTTP off loopback: an invalid pool, never fetched.
  tenants.rows.set(misconfigured.issuer, {
    ...misconfigured.moduleOptions(),
    jwksUri: 'http://tenant-keys.example.com/jwks.json',
  });
  return {
    imports: [CognitoAuthModule.forRoot({ userPools: tenants.resolve }), graphqlWsModule(adapter)],
    controllers: [...PATHS_METADATA.controllers, PoolAController],
    providers: [...PATHS_METADATA.providers, PoolAResolver, PoolAGateway],
  };
});
const sockets = useSocketClients();
const openGraphqlWs = useGraphqlWsConnections();

describe("a tenant's token is admitted on every path, with its own pool", () => {
  it.each(ADAPTERS)('tenant A and tenant B (%s)', async (adapter) => {
    expect(await askEveryPath(apps[adapter], tenantA.accessToken(), sockets)).toEqual(
      onEveryPath({ status: 200, userPoolId: POOL_A }),
    );
    expect(await askEveryPath(apps[adapter], tenantB.accessToken(), sockets)).toEqual(
      onEveryPath({ status: 200, userPoolId: POOL_B }),
    );
  });

  it.each(ADAPTERS)("another tenant's client id: 401 on every path (%s)", async (adapter) => {
    const token = tenantA.accessToken({ client_id: 'b-client' });
    expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 401 }));
  });
});

describe("a new tenant's first tokens on every path at once share one question and one key-set download", () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    const downloads = newcomer.jwksRequestCount;
    const asked = tenants.asked.filter((issuer) => issuer === newcomer.issuer).length;
    expect(await askEveryPath(apps[adapter], newcomer.accessToken(), sockets)).toEqual(
      onEveryPath({ status: 200, userPoolId: newcomer.userPoolId }),
    );
    expect(tenants.asked.filter((issuer) => issuer === newcomer.issuer).length - asked).toBe(1);
    expect(newcomer.jwksRequestCount - downloads).toBe(1);
  });
});

describe('an issuer no tenant has is refused on every path, and the resolver asked once', () => {
  beforeEach(() => {
    tenants.asked.length = 0;
  });

  it.each(ADAPTERS)('401 everywhere; one question, no key-set download (%s)', async (adapter) => {
    const before = stranger.jwksRequestCount;
    const token = stranger.accessToken({ jti: `stranger-${adapter}` });
    expect(await askEveryPath(apps[adapter], token, sockets)).toEqual(onEveryPath({ status: 401 }));
    expect(tenants.asked.filter((issuer) => issuer === stranger.issuer)).toHaveLength(1);
    expect(stranger.jwksRequestCount).toBe(before);
  });
});

describe('a resolver that fails is answered 503 with a retry delay on every path', () => {
  it.each(ADAPTERS)('503 and Retry-After 5 everywhere, never 500 (%s)', async (adapter) => {
    expect(await askEveryPath(apps[adapter], broken.accessToken(), sockets)).toEqual(
      onEveryPath({ status: 503, retryAfter: 5 }),
    );
    expect(apps[adapter].logs.text()).not.toMatch(/ExceptionsHandler|Internal server error/);
  });
});

describe('a resolver that answers an invalid pool is answered 503 with a retry delay on every path', () => {
  it.each(ADAPTERS)(
    'an http: key-set URL off loopback: 503 and Retry-After 5 everywhere, no download (%s)',
    async (adapter) => {
      expect(await askEveryPath(apps[adapter], misconfigured.accessToken(), sockets)).toEqual(
        onEveryPath({ status: 503, retryAfter: 5 }),
      );
      expect(misconfigured.jwksRequestCount).toBe(0);
    },
  );
});

describe("keys stay bound to their tenant's pool on every path", () => {
  it.each(ADAPTERS)("tenant A's claims signed with tenant B's key: 401 everywhere (%s)", async (adapter) => {
    const forged = tenantA.accessToken({}, { key: tenantB.currentKey });
    expect(await askEveryPath(apps[adapter], forged, sockets)).toEqual(onEveryPath({ status: 401 }));
    const claimed = tenantB.accessToken({ iss: tenantA.issuer, client_id: 'a-client' });
    expect(await askEveryPath(apps[adapter], claimed, sockets)).toEqual(onEveryPath({ status: 401 }));
  });
});

describe('@UserPools limits a route, a resolver field and a gateway message: 403 for other pools', () => {
  it.each(ADAPTERS)('REST (%s)', async (adapter) => {
    expect((await get(`${apps[adapter].url}/pool-a`, bearer(tenantA.accessToken()))).json()).toEqual({
      userPoolId: POOL_A,
    });
    const other = await get(`${apps[adapter].url}/pool-a`, bearer(tenantB.accessToken()));
    expect({ status: other.status, challenge: other.headers['www-authenticate'] }).toEqual({
      status: 403,
      challenge: undefined,
    });
  });

  it.each(ADAPTERS)('GraphQL over HTTP and over graphql-ws (%s)', async (adapter) => {
    const app = apps[adapter];
    expect(await graphql(app, '{ poolA }', tenantA.accessToken())).toEqual({ data: { poolA: POOL_A } });
    const refused = await graphql(app, '{ poolA }', tenantB.accessToken());
    expect(refused.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    const admitted = await openGraphqlWs(app.url, tenantA.accessToken());
    expect(operationOutcome(await admitted.run('{ poolA }'))).toEqual({ data: { poolA: POOL_A } });
    const other = await openGraphqlWs(app.url, tenantB.accessToken());
    expect(operationOutcome(await other.run('{ poolA }'))).toMatchObject({
      data: null,
      error: { code: 'FORBIDDEN', status: 403 },
    });
  });

  it.each(ADAPTERS)('a gateway message (%s)', async (adapter) => {
    const url = `${apps[adapter].url}/pool-a`;
    const member = await sockets.connect(url, { auth: { token: tenantA.accessToken() } });
    expect(await ask(member, 'poolA')).toEqual({ ack: { userPoolId: POOL_A } });
    const outsider = await sockets.connect(url, { auth: { token: tenantB.accessToken() } });
    expect(await ask(outsider, 'poolA')).toEqual({
      exception: { status: 403, error: 'forbidden', message: 'Tokens of this user pool are not accepted here' },
    });
  });
});

describe('the Lambda authorizer takes the same resolver', () => {
  const authorizer = () => createCognitoAuthorizer({ userPools: tenants.resolve, simpleResponse: true });
  const event = (token: string) => httpApiAuthorizerEvent({ path: '/me', headers: bearer(token) });

  it("authorizes each tenant's token, refuses an unknown issuer, and never allows when the resolver fails", async () => {
    const authorize = authorizer();
    expect(await authorize(event(tenantA.accessToken({ sub: 'a-user' })))).toMatchObject({
      isAuthorized: true,
      context: { sub: 'a-user' },
    });
    expect(await authorize(event(tenantB.accessToken()))).toMatchObject({ isAuthorized: true });
    expect(await authorize(event(stranger.accessToken()))).toEqual({ isAuthorized: false });
    const failed = await Promise.resolve(authorize(event(broken.accessToken()))).then(
      (answer) => ({ answer }),
      (error: Error) => ({ error: error.message }),
    );
    expect(failed).toEqual({ error: expect.not.stringMatching(/^Unauthorized$/) });
  });
});
