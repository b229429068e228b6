// The app's own user everywhere a token arrives: a transformer class resolved from another module
// (and replaced with overrideProvider), start-up errors for classes that cannot be resolved,
// verify() and authenticate(), socket.io handshakes and messages, GraphQL operations and
// AuthGuard('cognito-jwt') (both adapters).
import {
  Controller,
  Get,
  Injectable,
  type INestApplication,
  Module,
  NotFoundException,
  Req,
  Scope,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  CognitoAuthConfigError,
  CognitoAuthGuard,
  CognitoAuthModule,
  type CognitoTransformContext,
  CognitoTokenVerifier,
  type CognitoUser,
  type CognitoUserTransformer,
  CurrentCognitoUser,
  CurrentUser,
  cognitoHandshake,
  InvalidTokenError,
} from 'nestjs-cognito-auth';
import { actAsCognitoUser } from 'nestjs-cognito-auth/testing';
import type { Namespace, Socket as ServerSocket } from 'socket.io';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useApp, useKit } from './support/kit-app.js';
import { postQuery, testGraphqlModule } from './support/graphql-app.js';
import { bearer, get } from './support/http.js';
import { type AppUser, IdentityResolver, TransformerProbe } from './support/identity.js';
import { ask, SocketClients } from './support/socket-client.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

const kit = useKit();

/** The app's users, as a database would hold them; `UsersModule` exports it. */
@Injectable()
class UserRepository {
  lookups = 0;
  private readonly accounts = new Map<string, { id: number; plan: string }>();

  add(sub: string, account: { id: number; plan: string }): void {
    this.accounts.set(sub, account);
  }

  async findBySub(sub: string, signal: AbortSignal): Promise<{ id: number; plan: string } | null> {
    this.lookups += 1;
    signal.throwIfAborted();
    return this.accounts.get(sub) ?? null;
  }
}

@Module({ providers: [UserRepository], exports: [UserRepository] })
class UsersModule {}

/** The transformer class lives in the app's own module and injects the repository of another. */
@Injectable()
class AccountTransformer implements CognitoUserTransformer<{ accountId: number; plan: string; sub: string }> {
  constructor(private readonly users: UserRepository) {}

  async transform(user: CognitoUser, { signal }: CognitoTransformContext) {
    const account = await this.users.findBySub(user.sub, signal);
    return account && { accountId: account.id, plan: account.plan, sub: user.sub };
  }
}

@Controller('account')
class AccountController {
  @Get()
  account(@CurrentUser() account: { accountId: number; plan: string }, @CurrentCognitoUser('sub') sub: string) {
    return { account, sub };
  }
}

@Module({ imports: [UsersModule], providers: [AccountTransformer], controllers: [AccountController] })
class AccountsModule {}

const accountsAppModule = () => ({
  imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), transformUser: AccountTransformer }), AccountsModule],
});

describe.each(ADAPTERS)('a transformer class injects a repository from another module (%s)', (adapter) => {
  const app = useApp(() => startApp(accountsAppModule(), { adapter }));

  it('the principal comes from the repository, once per token; an unknown user is 401', async () => {
    const repository = app.app.get(UserRepository);
    repository.add('alice-sub', { id: 7, plan: 'team' });
    const token = kit.accessToken({ sub: 'alice-sub' });
    for (let i = 0; i < 2; i += 1) {
      const res = await get(`${app.url}/account`, bearer(token));
      expect(res.json()).toEqual({ account: { accountId: 7, plan: 'team', sub: 'alice-sub' }, sub: 'alice-sub' });
    }
    expect(repository.lookups).toBe(1);
    expect((await get(`${app.url}/account`, bearer(kit.accessToken()))).status).toBe(401);
  });
});

describe('overrideProvider replaces what the transformer class injects, in a test', () => {
  let app: INestApplication;
  afterAll(async () => {
    await app?.close();
  });

  it('the overriding repository answers, the real one is never asked', async () => {
    const fake = { findBySub: async (sub: string) => ({ id: 42, plan: `fake-${sub}` }) };
    const moduleRef = await Test.createTestingModule(accountsAppModule())
      .overrideProvider(UserRepository)
      .useValue(fake)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const res = await get(`http://127.0.0.1:${port}/account`, bearer(kit.accessToken({ sub: 's' })));
    expect(res.json()).toEqual({ account: { accountId: 42, plan: 'fake-s', sub: 's' }, sub: 's' });
  });
});

describe("actAsCognitoUser runs the app's transformer class on the user it acts as", () => {
  let app: INestApplication;
  afterAll(async () => {
    await app?.close();
  });

  it('@CurrentUser() is the principal the repository gives, @CurrentCognitoUser() the acting user', async () => {
    const moduleRef = await Test.createTestingModule(accountsAppModule())
      .overrideGuard(CognitoAuthGuard)
      .useValue(actAsCognitoUser({ sub: 'acting-sub', username: 'dave' }))
      .compile();
    moduleRef.get(UserRepository).add('acting-sub', { id: 9, plan: 'free' });
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const res = await get(`http://127.0.0.1:${port}/account`);
    expect(res.json()).toEqual({ account: { accountId: 9, plan: 'free', sub: 'acting-sub' }, sub: 'acting-sub' });
  });
});

@Injectable({ scope: Scope.REQUEST })
class RequestScopedTransformer implements CognitoUserTransformer {
  transform(user: CognitoUser) {
    return { sub: user.sub };
  }
}

@Injectable()
class UnprovidedTransformer implements CognitoUserTransformer {
  transform(user: CognitoUser) {
    return { sub: user.sub };
  }
}

describe('a transformer class that cannot be resolved as a singleton fails the start-up', () => {
  const boot = (transformUser: unknown, providers: unknown[] = [], async = false) => {
    const options = { ...kit.moduleOptions(), transformUser } as never;
    const cognito = async
      ? CognitoAuthModule.forRootAsync({ useFactory: () => options })
      : CognitoAuthModule.forRoot(options);
    return startApp({ imports: [cognito], providers: providers as never[] });
  };

  it('request-scoped: CognitoAuthConfigError naming the class', async () => {
    const error = await boot(RequestScopedTransformer, [RequestScopedTransformer]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toContain('RequestScopedTransformer');
  });

  it('provided nowhere, with forRoot and forRootAsync: CognitoAuthConfigError naming the class', async () => {
    for (const async of [false, true]) {
      const error = await boot(UnprovidedTransformer, [], async).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CognitoAuthConfigError);
      expect((error as Error).message).toContain('UnprovidedTransformer');
    }
  });

  it('something that is neither a function nor a class: CognitoAuthConfigError', async () => {
    const error = await boot({ transform: () => ({}) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
  });

  it('a provided class without a transform method: CognitoAuthConfigError naming the class', async () => {
    const error = await boot(NoTransformMethod, [NoTransformMethod]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CognitoAuthConfigError);
    expect((error as Error).message).toContain('NoTransformMethod has no transform(user, context) method');
  });
});

@Injectable()
class NoTransformMethod {}

@Controller('principal')
class PrincipalController {
  @Get()
  principal(@CurrentUser() principal: object) {
    return principal;
  }
}

@Injectable()
class ArrowPropertyTransformer implements CognitoUserTransformer<{ arrow: string }> {
  transform = async (user: CognitoUser) => ({ arrow: user.sub });
}

/** Without @Injectable(): Nest still builds a class without dependencies. */
class UndecoratedArrowTransformer implements CognitoUserTransformer<{ arrow: string }> {
  transform = (user: CognitoUser) => ({ arrow: `plain-${user.sub}` });
}

describe('a transformer class is resolved from the app however its transform is written', () => {
  it.each([
    ['an arrow-function property', ArrowPropertyTransformer, (sub: string) => sub],
    ['an arrow-function property, without @Injectable()', UndecoratedArrowTransformer, (sub: string) => `plain-${sub}`],
  ])('%s: the instance the injector gives makes the principal', async (_name, transformer, expected) => {
    const app = await startApp({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), transformUser: transformer })],
      providers: [transformer],
      controllers: [PrincipalController],
    });
    try {
      const token = kit.accessToken({ sub: 'arrow-user' });
      const res = await get(`${app.url}/principal`, bearer(token));
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 200,
        body: { arrow: expected('arrow-user') },
      });
    } finally {
      await app.close();
    }
  });
});

describe('verify() never calls the transformer; authenticate() gives the user and the principal', () => {
  const probe = new TransformerProbe();
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), transformUser: probe.transform })],
    });
  });
  beforeEach(() => probe.reset());
  afterAll(async () => {
    await app?.close();
  });

  it('verify() resolves to the Cognito user without a call', async () => {
    const user = await app.app.get(CognitoTokenVerifier).verify(kit.accessToken({ username: 'carol' }));
    expect(user.username).toBe('carol');
    expect(probe.calls).toBe(0);
  });

  it('authenticate() resolves to { user, principal }, once per token', async () => {
    const verifier = app.app.get(CognitoTokenVerifier);
    const token = kit.accessToken();
    const first = await verifier.authenticate<AppUser>(token);
    const second = await verifier.authenticate<AppUser>(token);
    expect(first.principal).toEqual({
      appId: `app-${first.user.sub}`,
      sub: first.user.sub,
      plan: 'pro',
      profile: { tags: ['a'] },
    });
    expect(second.principal).toBe(first.principal);
    expect(first.user.sub).toBe(first.principal.sub);
    expect(probe.calls).toBe(1);
  });

  it('authenticate() rejects with the refusal: user_not_found for null, NotFoundException as thrown', async () => {
    const verifier = app.app.get(CognitoTokenVerifier);
    probe.answer = () => null;
    await expect(verifier.authenticate(kit.accessToken())).rejects.toMatchObject({ reason: 'user_not_found' });
    probe.answer = () => {
      throw new NotFoundException('gone');
    };
    await expect(verifier.authenticate(kit.accessToken())).rejects.toBeInstanceOf(NotFoundException);
  });

  it('without transformUser, authenticate() gives the Cognito user as the principal', async () => {
    const plain = await startApp({ imports: [CognitoAuthModule.forRoot(kit.moduleOptions())] });
    try {
      const { user, principal } = await plain.app.get(CognitoTokenVerifier).authenticate(kit.accessToken());
      expect(principal).toBe(user);
    } finally {
      await plain.close();
    }
  });
});

@WebSocketGateway({ namespace: '/identity' })
class IdentityGateway implements OnGatewayInit {
  constructor(private readonly verifier: CognitoTokenVerifier) {}

  afterInit(namespace: Namespace) {
    namespace.use(cognitoHandshake(this.verifier));
  }

  @SubscribeMessage('whoami')
  whoami(
    @CurrentUser() principal: AppUser,
    @CurrentCognitoUser('sub') sub: string,
    @ConnectedSocket() client: ServerSocket,
  ) {
    return {
      appId: principal.appId,
      sub,
      dataUserIsPrincipal: client.data.user === principal,
      cognitoSub: client.data.cognitoUser?.sub,
    };
  }
}

@Controller('passport')
class PassportController {
  @UseGuards(AuthGuard('cognito-jwt'))
  @Get()
  who(@Req() request: { user: AppUser; cognitoUser: CognitoUser }) {
    return { appId: request.user.appId, cognitoSub: request.cognitoUser?.sub };
  }
}

describe.each(ADAPTERS)('socket.io, GraphQL and Passport get the same principal (%s)', (adapter) => {
  const probe = new TransformerProbe();
  const sockets = new SocketClients();
  let app: RunningApp;
  beforeAll(async () => {
    @Module({
      imports: [
        CognitoAuthModule.forRoot({ ...kit.moduleOptions(), transformUser: probe.transform, transformUserMaxAgeMs: 0 }),
        testGraphqlModule(adapter),
      ],
      controllers: [PassportController],
      providers: [IdentityGateway, IdentityResolver],
    })
    class TransportsModule {}
    app = await startApp({ imports: [TransportsModule] }, { adapter });
  });
  beforeEach(() => probe.reset());
  afterAll(async () => {
    sockets.closeAll();
    await app?.close();
  });

  it('the handshake runs the transformer: client.data.user is the principal, messages see it', async () => {
    const sub = 'socket-sub';
    const socket = await sockets.connect(`${app.url}/identity`, { auth: { token: kit.accessToken({ sub }) } });
    expect(probe.calls).toBe(1);
    expect(await ask(socket, 'whoami')).toEqual({
      ack: { appId: `app-${sub}`, sub, dataUserIsPrincipal: true, cognitoSub: sub },
    });
  });

  it('a transformer refusal refuses the connection: null → 401, a failure → 503 with retryAfter', async () => {
    probe.answer = () => null;
    const notFound = await sockets.refusal(`${app.url}/identity`, { auth: { token: kit.accessToken() } });
    expect({ status: notFound.status, error: notFound.error }).toEqual({ status: 401, error: 'invalid_token' });
    probe.answer = () => {
      throw new Error('down');
    };
    const failed = await sockets.refusal(`${app.url}/identity`, { auth: { token: kit.accessToken() } });
    expect({ status: failed.status, retryAfter: failed.retryAfter }).toEqual({ status: 503, retryAfter: 5 });
    probe.answer = () => {
      throw new InvalidTokenError('user_not_found', 'The account was deleted');
    };
    const deleted = await sockets.refusal(`${app.url}/identity`, { auth: { token: kit.accessToken() } });
    expect({ status: deleted.status, message: deleted.message }).toEqual({
      status: 401,
      message: 'The account was deleted',
    });
  });

  it('GraphQL: @CurrentUser() in a resolver is the principal, one call per operation however many fields', async () => {
    const sub = 'graphql-sub';
    const token = kit.accessToken({ sub });
    const res = await postQuery(app.url, '{ a: appId b: appId cognitoSub }', bearer(token));
    expect(res.json()).toEqual({ data: { a: `app-${sub}`, b: `app-${sub}`, cognitoSub: sub } });
    expect(probe.calls).toBe(1);
    await postQuery(app.url, '{ appId }', bearer(token));
    expect(probe.calls).toBe(2); // transformUserMaxAgeMs 0: the next operation asks again
  });

  it('GraphQL: a transformer that answers null is UNAUTHENTICATED', async () => {
    probe.answer = () => null;
    const body = (await postQuery(app.url, '{ appId }', bearer(kit.accessToken()))).json();
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it("AuthGuard('cognito-jwt'): request.user is the principal, request.cognitoUser the Cognito user", async () => {
    const sub = 'passport-sub';
    const res = await get(`${app.url}/passport`, bearer(kit.accessToken({ sub })));
    expect(res.json()).toEqual({ appId: `app-${sub}`, cognitoSub: sub });
    probe.answer = () => {
      throw new Error('down');
    };
    const failed = await get(`${app.url}/passport`, bearer(kit.accessToken()));
    expect({ status: failed.status, retryAfter: failed.headers['retry-after'] }).toEqual({
      status: 503,
      retryAfter: '5',
    });
  });
});
