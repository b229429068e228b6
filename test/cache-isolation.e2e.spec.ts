/**
 * The verified-token cache seen from outside: what one request's handler does to its user never
 * reaches another request, the custom check runs on every request (cache hits included), and a
 * key that leaves the key set, or whose kid comes back with other key material, is never hidden
 * by a cached verdict. Real apps on 127.0.0.1, the kit's real JWKS server, real HTTP.
 */
import { Controller, ForbiddenException, Get } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import {
  CognitoAuthModule,
  type CognitoAuthOptions,
  type CognitoCustomCheckContext,
  type CognitoUser,
  CurrentUser,
  Groups,
  Public,
  Scopes,
} from 'nestjs-cognito-auth';
import { type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { describe, expect, it } from 'vitest';
import { usePerTestKitApp } from './support/kit-app.js';
import { call } from './support/policy-e2e.js';
import { okController } from './support/rule-handlers.js';
import { postQuery, testGraphqlModule } from './support/graphql-app.js';
import { expectInvalidTokenNotEchoed } from './support/hostile.js';
import { bearer, type HttpResult } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

// ---------------------------------------------------------------------------------------------
// What a careless (or hostile) handler may try on the user it is given

/** The user as a handler that ignores its types sees it. */
type AnyUser = Record<string, any>;
type Mutation = readonly [string, (user: AnyUser) => unknown];

const MUTATIONS: readonly Mutation[] = [
  ['push a group', (user) => user.groups.push('admin')],
  ['push a scope', (user) => user.scopes.push('orders/write')],
  [
    'rename the user',
    (user) => {
      user.username = 'root';
    },
  ],
  [
    'replace the groups',
    (user) => {
      user.groups = ['admin'];
    },
  ],
  [
    'replace the scopes',
    (user) => {
      user.scopes = ['orders/write'];
    },
  ],
  [
    'change the client',
    (user) => {
      user.clientId = 'another-client';
    },
  ],
  ['push into the raw groups claim', (user) => user.claims['cognito:groups'].push('admin')],
  ['push into the copied groups claim', (user) => user['cognito:groups'].push('admin')],
  [
    'rewrite the raw scope claim',
    (user) => {
      user.claims.scope = 'orders/read orders/write';
    },
  ],
  [
    'rewrite the raw username claim',
    (user) => {
      user.claims.username = 'root';
    },
  ],
];

/**
 * Runs every mutation and reports what happened: `changed` when it went through, `refused: …`
 * when it threw (a frozen user throws in strict mode). Either is fine for the handler's own
 * request; what matters is that no later request sees it.
 */
function tamperWith(user: AnyUser): Record<string, string> {
  const outcome: Record<string, string> = {};
  for (const [name, mutate] of MUTATIONS) {
    try {
      mutate(user);
      outcome[name] = 'changed';
    } catch (error) {
      outcome[name] = `refused: ${(error as Error).name}`;
    }
  }
  return outcome;
}

function expectEveryMutationHandled(res: HttpResult): void {
  expect(res.status, res.body).toBe(200);
  const outcome = res.json() as Record<string, string>;
  expect(Object.keys(outcome).sort()).toEqual(MUTATIONS.map(([name]) => name).sort());
  for (const value of Object.values(outcome)) expect(value).toMatch(/^(changed|refused: \w+)$/);
}

function viewOf(user: AnyUser) {
  return {
    username: user.username,
    clientId: user.clientId,
    groups: user.groups,
    scopes: user.scopes,
    rawGroups: user.claims['cognito:groups'] ?? null,
    copiedGroups: user['cognito:groups'] ?? null,
    rawScope: user.claims.scope ?? null,
    rawUsername: user.claims.username ?? null,
  };
}

@Controller()
class TamperController {
  @Get('tamper')
  tamper(@CurrentUser() user: CognitoUser) {
    return tamperWith(user);
  }

  @Get('tamper-fields')
  tamperFields(@CurrentUser('groups') groups: any[], @CurrentUser('scopes') scopes: any[]) {
    const outcome: Record<string, string> = {};
    const attempts: Array<[string, () => unknown]> = [
      ['push a group', () => groups.push('admin')],
      ['push a scope', () => scopes.push('orders/write')],
      [
        'overwrite the first group',
        () => {
          groups[0] = 'admin';
        },
      ],
    ];
    for (const [name, attempt] of attempts) {
      try {
        attempt();
        outcome[name] = 'changed';
      } catch (error) {
        outcome[name] = `refused: ${(error as Error).name}`;
      }
    }
    return outcome;
  }

  @Public()
  @Get('public-tamper')
  publicTamper(@CurrentUser() user: CognitoUser | null) {
    return user ? tamperWith(user) : { user: null };
  }

  @Get('view')
  view(@CurrentUser() user: CognitoUser) {
    return viewOf(user);
  }

  @Public()
  @Get('optional')
  optional(@CurrentUser() user: CognitoUser | null) {
    return { user: user ? { username: user.username } : null };
  }
}

/** What a reader must stay unable to reach. */
const RulesController = okController('', { admin: [Groups('admin')], write: [Scopes('orders/write')] });

@Resolver()
class TamperResolver {
  @Query(() => String)
  tamper(@CurrentUser() user: CognitoUser): string {
    return JSON.stringify(tamperWith(user));
  }

  @Query(() => [String])
  myGroups(@CurrentUser('groups') groups: readonly string[]): string[] {
    return [...groups];
  }

  @Groups('admin')
  @Query(() => String)
  adminOnly(): string {
    return 'secret';
  }
}

// ---------------------------------------------------------------------------------------------

const startKitApp = usePerTestKitApp();

function setUp(adapter: (typeof ADAPTERS)[number], options: Partial<CognitoAuthOptions> = {}) {
  return startKitApp((kit) =>
    startApp(
      {
        imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })],
        controllers: [TamperController, RulesController],
      },
      { adapter },
    ),
  );
}

/** A reader: in group `reader`, scope `orders/read`; never an admin, never `orders/write`. */
const readerClaims = { username: 'alice', 'cognito:groups': ['reader'], scope: 'orders/read' };

const untouchedView = (k: CognitoTestKit) => ({
  username: 'alice',
  clientId: k.clientId,
  groups: ['reader'],
  scopes: ['orders/read'],
  rawGroups: ['reader'],
  copiedGroups: ['reader'],
  rawScope: 'orders/read',
  rawUsername: 'alice',
});

/** The later requests with the same token: still a reader, nothing more. */
async function expectStillAReader(running: RunningApp, k: CognitoTestKit, token: string): Promise<void> {
  expect((await call(running, '/admin', token)).status).toBe(403);
  const write = await call(running, '/write', token);
  expect(write.status).toBe(403);
  expect(write.headers['www-authenticate']).toContain('insufficient_scope');
  const view = await call(running, '/view', token);
  expect(view.status).toBe(200);
  expect(view.json()).toEqual(untouchedView(k));
}

/**
 * [what the handlers do, module options, the requests they make with the reader's token] before
 * the same token is checked again: still a reader.
 */
const TAMPERING: Array<
  [string, Partial<CognitoAuthOptions>, (app: RunningApp, kit: CognitoTestKit, token: string) => Promise<void>]
> = [
  [
    'changes made by the handler of the request that verified the token do not reach later requests',
    {},
    async (app, _kit, token) => expectEveryMutationHandled(await call(app, '/tamper', token)),
  ],
  [
    'changes made by a handler on a cache hit do not reach later requests',
    {},
    async (app, kit, token) => {
      expect((await call(app, '/admin', token)).status).toBe(403);
      expect((await call(app, '/view', token)).json()).toEqual(untouchedView(kit));
      for (let round = 0; round < 3; round += 1) expectEveryMutationHandled(await call(app, '/tamper', token));
    },
  ],
  [
    'changes made through @CurrentUser(field) do not reach later requests',
    {},
    async (app, _kit, token) => {
      expect((await call(app, '/admin', token)).status).toBe(403);
      const tampered = await call(app, '/tamper-fields', token);
      expect(tampered.status, tampered.body).toBe(200);
    },
  ],
  [
    'changes made on a public route (optional authentication) do not reach protected routes',
    {},
    async (app, _kit, token) => expectEveryMutationHandled(await call(app, '/public-tamper', token)),
  ],
  [
    'changes made on one token never reach another token of the same user',
    {},
    async (app, kit, token) => {
      expect((await call(app, '/view', token)).status).toBe(200);
      expectEveryMutationHandled(await call(app, '/tamper', kit.accessToken(readerClaims)));
    },
  ],
  [
    'with the cache off, changes never reach later requests either',
    { tokenCacheMaxEntries: 0 },
    async (app, _kit, token) => expectEveryMutationHandled(await call(app, '/tamper', token)),
  ],
  [
    'after the token was evicted and verified again, earlier changes are gone',
    { tokenCacheMaxEntries: 1 },
    async (app, kit, token) => {
      expectEveryMutationHandled(await call(app, '/tamper', token));
      expect((await call(app, '/view', kit.accessToken())).status).toBe(200); // evicts the first token
    },
  ],
];

describe.each(ADAPTERS)('a cache hit hands out a user no handler can change (%s)', (adapter) => {
  it.each(TAMPERING)('%s', async (_name, options, tamper) => {
    const { kit, app } = await setUp(adapter, options);
    const token = kit.accessToken(readerClaims);
    await tamper(app, kit, token);
    await expectStillAReader(app, kit, token);
  });
});

describe.each(ADAPTERS)('a GraphQL resolver cannot change the user of later requests (%s)', (adapter) => {
  it('a resolver that edits the user does not open an admin-only query to the same token', async () => {
    const { kit, app } = await startKitApp((kit) =>
      startApp(
        {
          imports: [CognitoAuthModule.forRoot(kit.moduleOptions()), testGraphqlModule(adapter)],
          providers: [TamperResolver],
        },
        { adapter },
      ),
    );
    const token = kit.accessToken(readerClaims);
    const auth = bearer(token);

    const before = (await postQuery(app.url, '{ adminOnly }', auth)).json();
    expect(before.data).toBeNull();
    expect(before.errors[0].extensions.code).toBe('FORBIDDEN');

    const tampered = (await postQuery(app.url, '{ tamper }', auth)).json();
    expect(tampered.errors, JSON.stringify(tampered)).toBeUndefined();
    for (const value of Object.values(JSON.parse(tampered.data.tamper) as Record<string, string>)) {
      expect(value).toMatch(/^(changed|refused: \w+)$/);
    }

    const after = (await postQuery(app.url, '{ adminOnly }', auth)).json();
    expect(after.data).toBeNull();
    expect(after.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await postQuery(app.url, '{ myGroups }', auth)).json().data).toEqual({ myGroups: ['reader'] });
  });
});

// ---------------------------------------------------------------------------------------------

/** A custom check that counts its calls, records what it saw, and can be told to refuse. */
function switchableCheck() {
  const state = {
    calls: 0,
    seen: [] as Array<{ username: unknown; payloadUsername: unknown; jti: unknown }>,
    refuse: undefined as undefined | 'error' | 'forbidden',
    check: (context: CognitoCustomCheckContext) => {
      state.calls += 1;
      state.seen.push({
        username: context.user.username,
        payloadUsername: context.payload.username,
        jti: context.payload.jti,
      });
      if (state.refuse === 'error') throw new Error('the user was suspended');
      if (state.refuse === 'forbidden') throw new ForbiddenException('Suspended');
    },
  };
  return state;
}

describe.each(ADAPTERS)('the custom check runs on every request, cache hits included (%s)', (adapter) => {
  it('runs once per request with the same token, and sees that token each time', async () => {
    const hook = switchableCheck();
    const { kit, app } = await setUp(adapter, { customCheck: hook.check });
    const token = kit.accessToken({ username: 'alice', jti: 'jti-of-alice' });
    for (let i = 0; i < 3; i += 1) expect((await call(app, '/view', token)).status).toBe(200);
    expect(hook.calls).toBe(3);
    expect(hook.seen).toEqual(
      Array.from({ length: 3 }, () => ({ username: 'alice', payloadUsername: 'alice', jti: 'jti-of-alice' })),
    );
  });

  it('a token it approved once is refused as soon as the check refuses it (401 invalid_token)', async () => {
    const hook = switchableCheck();
    const { kit, app } = await setUp(adapter, { customCheck: hook.check });
    const token = kit.accessToken({ username: 'alice' });
    expect((await call(app, '/view', token)).status).toBe(200);
    expect((await call(app, '/view', token)).status).toBe(200);
    hook.refuse = 'error';
    expectInvalidTokenNotEchoed(await call(app, '/view', token), token);
    expectInvalidTokenNotEchoed(await call(app, '/view', token), token);
    hook.refuse = undefined;
    expect((await call(app, '/view', token)).status).toBe(200);
  });

  it('an HttpException thrown by the check on a cache hit is answered as is', async () => {
    const hook = switchableCheck();
    const { kit, app } = await setUp(adapter, { customCheck: hook.check });
    const token = kit.accessToken();
    expect((await call(app, '/view', token)).status).toBe(200);
    hook.refuse = 'forbidden';
    const refused = await call(app, '/view', token);
    expect(refused.status).toBe(403);
    expect(refused.json().message).toBe('Suspended');
  });

  it('on a public route, a token the check now refuses leaves the user null', async () => {
    const hook = switchableCheck();
    const { kit, app } = await setUp(adapter, { customCheck: hook.check });
    const token = kit.accessToken({ username: 'alice' });
    expect((await call(app, '/optional', token)).json()).toEqual({ user: { username: 'alice' } });
    hook.refuse = 'error';
    const res = await call(app, '/optional', token);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ user: null });
  });
});

// ---------------------------------------------------------------------------------------------

/** A custom check that holds the verification of user `slow` until `release()` is called. */
function gatedCheck() {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  return {
    release: () => release(),
    inside,
    check: async ({ user }: CognitoCustomCheckContext) => {
      if (user.username !== 'slow') return;
      entered();
      await gate;
    },
  };
}

describe.each(ADAPTERS)('a key change is never hidden by a cached verdict (%s)', (adapter) => {
  it('a verification that finishes after its key left the key set is not served from the cache', async () => {
    const hook = gatedCheck();
    const { kit, app } = await setUp(adapter, { jwksRefetchIntervalMs: 0, customCheck: hook.check });
    expect((await call(app, '/view', kit.accessToken())).status).toBe(200); // keys loaded
    // Generated before the gate: the gated check must stay well inside the callback time limit.
    const replacement = kit.generateKey();
    const slowToken = kit.accessToken({ username: 'slow' });
    const inFlight = call(app, '/view', slowToken);
    await hook.inside;

    // While that verification waits: the key is withdrawn and the key set refreshed.
    kit.publishKeys([replacement]);
    expect((await call(app, '/view', kit.accessToken({}, { key: replacement }))).status).toBe(200);

    hook.release();
    expect([200, 401]).toContain((await inFlight).status);
    expectInvalidTokenNotEchoed(await call(app, '/view', slowToken), slowToken);
    expectInvalidTokenNotEchoed(await call(app, '/view', slowToken), slowToken);
  });

  it('a verification that finishes after its kid was republished with other key material is not served from the cache', async () => {
    const hook = gatedCheck();
    const { kit, app } = await setUp(adapter, { jwksRefetchIntervalMs: 0, customCheck: hook.check });
    const original = kit.currentKey;
    expect((await call(app, '/view', kit.accessToken())).status).toBe(200);
    const impostor = kit.generateKey({ kid: original.kid });
    const other = kit.generateKey();
    const slowToken = kit.accessToken({ username: 'slow' });
    const inFlight = call(app, '/view', slowToken);
    await hook.inside;

    kit.publishKeys([impostor, other]);
    expect((await call(app, '/view', kit.accessToken({}, { key: other }))).status).toBe(200); // refresh

    hook.release();
    expect([200, 401]).toContain((await inFlight).status);
    expectInvalidTokenNotEchoed(await call(app, '/view', slowToken), slowToken);
  });

  it('cached tokens of a kid republished with other key material are refused after the refresh', async () => {
    const { kit, app } = await setUp(adapter, { jwksRefetchIntervalMs: 0 });
    const original = kit.currentKey;
    const cached = Array.from({ length: 20 }, (_, i) => kit.accessToken({ username: `user-${i}` }));
    for (const token of cached) expect((await call(app, '/view', token)).status).toBe(200);
    const neverSeen = kit.accessToken({ username: 'never-seen' });

    // Same kid, different key; plus a new kid, whose first token forces the refresh.
    const impostor = kit.generateKey({ kid: original.kid });
    const other = kit.generateKey();
    kit.publishKeys([impostor, other]);
    expect((await call(app, '/view', kit.accessToken({}, { key: other }))).status).toBe(200);

    const answers = await Promise.all(cached.map((token) => call(app, '/view', token)));
    expect(answers.map((a) => a.status)).toEqual(cached.map(() => 401));
    for (const [i, answer] of answers.entries()) expectInvalidTokenNotEchoed(answer, cached[i]);
    expectInvalidTokenNotEchoed(await call(app, '/view', neverSeen), neverSeen);
    expect((await call(app, '/view', kit.accessToken({ username: 'new' }, { key: impostor }))).json().username).toBe(
      'new',
    );
  });
});
