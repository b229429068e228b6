/**
 * Custom policies (@Policy): functions, injectable classes (providers, created in the route's
 * module, request-scoped) and instances; async, several in order, HttpExceptions, throws logged
 * once; combined with the built-in rules at class and handler level; over HTTP on both adapters
 * and in GraphQL resolvers; and how the OpenAPI document names them. Policies that never settle
 * are in policies-timeout.e2e.spec.ts.
 */
import {
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Scope,
} from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Args, Query, Resolver } from '@nestjs/graphql';
import {
  AllGroups,
  CognitoAuthConfigError,
  type CognitoPolicyHandler,
  type CognitoUser,
  Groups,
  NotGroups,
  Policy,
  Public,
  RequireClaim,
  Scopes,
} from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { expectBareChallenge } from './support/auth-e2e.js';
import {
  expectFieldAllowed,
  expectFieldRefused,
  expectForbidden,
  expectOk,
  MESSAGES,
  useAppsOnEveryAdapter,
  useOpenApiDocument,
} from './support/policy-e2e.js';
import { okController, trueResolver } from './support/rule-handlers.js';
import { ADAPTERS } from './support/test-app.js';

// ---------------------------------------------------------------------------------------------
// Services and policies

/** Which user owns which order: the dependency of the injectable policies. */
@Injectable()
class OrdersRepository {
  private readonly owners = new Map([
    ['o-1', 'user-1'],
    ['o-2', 'user-2'],
  ]);

  async ownerOf(orderId: string): Promise<string | undefined> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.owners.get(orderId);
  }
}

/** Asynchronous, with a dependency; registered as a provider of the orders module. */
@Injectable()
class OrderOwnerPolicy implements CognitoPolicyHandler {
  constructor(private readonly orders: OrdersRepository) {}

  async handle(user: CognitoUser, context: ExecutionContext): Promise<boolean> {
    const { id } = context.switchToHttp().getRequest<{ params: { id: string } }>().params;
    return (await this.orders.ownerOf(id)) === user.sub;
  }
}

/** Synchronous, with a dependency; deliberately not a provider: created in the controller's module. */
@Injectable()
class KnownOrderPolicy implements CognitoPolicyHandler {
  constructor(private readonly orders: OrdersRepository) {}

  handle(_user: CognitoUser, context: ExecutionContext): boolean {
    const { id } = context.switchToHttp().getRequest<{ params: { id: string } }>().params;
    return id.startsWith('o-') && this.orders instanceof OrdersRepository;
  }
}

/** Request-scoped: a new instance per request, which sees that request. */
@Injectable({ scope: Scope.REQUEST })
class RequestHeaderPolicy implements CognitoPolicyHandler {
  static instances = 0;
  constructor(@Inject(REQUEST) private readonly request: { headers: Record<string, string | undefined> }) {
    RequestHeaderPolicy.instances += 1;
  }

  handle(): boolean {
    return this.request.headers['x-allow'] === 'yes';
  }
}

/** Which tenants are active: the dependency of a policy used by HTTP routes and resolvers alike. */
@Injectable()
class TenantDirectory {
  isActive(tenant: unknown): boolean {
    return tenant === 'acme';
  }
}

@Injectable()
class ActiveTenantPolicy implements CognitoPolicyHandler {
  constructor(private readonly tenants: TenantDirectory) {}

  handle(user: CognitoUser): boolean {
    return this.tenants.isActive(user['custom:tenant']);
  }
}

/** A policy object (instance) configured at the route. */
class TenantIs implements CognitoPolicyHandler {
  constructor(private readonly tenant: string) {}

  handle(user: CognitoUser): boolean {
    return user['custom:tenant'] === this.tenant;
  }
}

const isPathOwner = (user: CognitoUser, context: ExecutionContext) =>
  user.sub === context.switchToHttp().getRequest<{ params: { sub: string } }>().params.sub;
const allow = () => true;
const refuse = () => false;
/** Truthy is not enough: only `true` allows. */
const truthy = () => 1 as unknown as boolean;
const forgetsToReturn = () => undefined as unknown as boolean;
const allowLater = async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return true;
};
const refuseLater = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  return false;
};
const notFound = () => {
  throw new NotFoundException('No such order');
};
const paymentRequiredLater = async (): Promise<boolean> => {
  await new Promise((resolve) => setImmediate(resolve));
  throw new HttpException('Upgrade your plan', 402);
};
/** Its message carries a claim value, which must stay out of the log. */
function explodingPolicy(user: CognitoUser): boolean {
  throw new Error(`no rule for tenant ${String(user['custom:tenant'])}`);
}
async function explodingLaterPolicy(): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  throw new TypeError('late failure');
}

/** Counts its runs: custom policies run only after the built-in rules passed. */
let countedRuns = 0;
const counted = () => {
  countedRuns += 1;
  return true;
};

// ---------------------------------------------------------------------------------------------
// Controllers and resolvers under test

const PoliciesController = okController('policies', {
  'owner/:sub': [Policy(isPathOwner)],
  'allow-and-refuse': [Policy(allow, refuse)],
  'stacked-allow': [Policy(allow), Policy(allowLater)],
  'stacked-refuse': [Policy(allowLater), Policy(refuse)],
  truthy: [Policy(truthy)],
  'no-return': [Policy(forgetsToReturn)],
  'async-allow': [Policy(allowLater)],
  'async-refuse': [Policy(refuseLater)],
  'http-exception': [Policy(notFound)],
  'http-exception-async': [Policy(allowLater, paymentRequiredLater)],
  throws: [Policy(explodingPolicy)],
  'throws-async': [Policy(explodingLaterPolicy)],
  instance: [Policy(new TenantIs('acme'))],
  'active-tenant': [Policy(ActiveTenantPolicy)],
  'request-scoped': [Policy(RequestHeaderPolicy)],
  public: [Public(), Policy(refuse)],
});

const OrdersController = okController('orders', {
  ':id': [Policy(OrderOwnerPolicy)],
  ':id/known': [Policy(KnownOrderPolicy)],
});

/** The orders feature: its repository is visible here only, not in the root module. */
@Module({ providers: [OrdersRepository, OrderOwnerPolicy], controllers: [OrdersController] })
class OrdersModule {}

const CombinedController = okController(
  'combined',
  {
    inherited: [],
    'owner/:sub': [Policy(isPathOwner)],
    everything: [
      Groups('admin'),
      AllGroups('ops', 'oncall'),
      RequireClaim('email_verified', 'true'),
      Scopes('orders/read'),
      Policy(allowLater, new TenantIs('acme')),
    ],
    counted: [Groups('admin'), Policy(counted)],
  },
  NotGroups('suspended'),
  Policy(new TenantIs('acme')),
);

/** In GraphQL the arguments are the handler's second argument. */
@Resolver()
class OwnerResolver {
  @Policy((user, context) => context.getArgByIndex<{ sub?: string }>(1)?.sub === user.sub)
  @Query(() => Boolean)
  owner(@Args('sub') _sub: string): boolean {
    return true;
  }
}

const PolicyResolver = trueResolver({
  activeTenant: [Policy(ActiveTenantPolicy)],
  refusedLater: [Policy(refuseLater)],
  exploding: [Policy(explodingLaterPolicy)],
});

// ---------------------------------------------------------------------------------------------

const { kit, apps, at } = useAppsOnEveryAdapter(
  { tokenUse: 'any' },
  {
    imports: [OrdersModule],
    controllers: [PoliciesController, CombinedController],
    providers: [TenantDirectory, ActiveTenantPolicy, RequestHeaderPolicy, OwnerResolver, PolicyResolver],
  },
);

/** Every captured log line of every app (Nest's static logger writes to the app created last). */
const logLines = () => Object.values(apps).flatMap((running) => running.logs.lines);

describe('@Policy() refuses empty or malformed arguments when it runs', () => {
  it.each([
    ['@Policy()', () => Policy()],
    ["@Policy('name')", () => Policy('name' as never)],
    ['@Policy({})', () => Policy({} as never)],
  ])('%s throws CognitoAuthConfigError', (_name, decorate) => {
    expect(decorate).toThrow(CognitoAuthConfigError);
  });
});

/** [route, what it shows]: a refusal by a policy is a 403 with the policy message. */
const REFUSING: Array<[string, string]> = [
  ['/policies/truthy', 'only true allows: a truthy value refuses'],
  ['/policies/no-return', 'only true allows: a missing return refuses'],
  ['/policies/async-refuse', 'an async policy that resolves false'],
  ['/policies/allow-and-refuse', 'several in one decorator: all must allow'],
  ['/policies/stacked-refuse', 'stacked decorators: all must allow'],
];

describe.each(ADAPTERS)('@Policy(fn) on %s', (adapter) => {
  it('ownership from the request: the caller’s sub must be the path’s', async () => {
    expectOk(await at(adapter, '/policies/owner/user-1', kit.accessToken({ sub: 'user-1' })));
    expectForbidden(await at(adapter, '/policies/owner/user-1', kit.accessToken({ sub: 'user-2' })), MESSAGES.policy);
    expectBareChallenge(await at(adapter, '/policies/owner/user-1'));
  });

  it.each(REFUSING)('%s: %s', async (path) => {
    expectForbidden(await at(adapter, path, kit.accessToken()), MESSAGES.policy);
  });

  it.each(['/policies/async-allow', '/policies/stacked-allow'])('%s allows', async (path) => {
    expectOk(await at(adapter, path, kit.accessToken()));
  });

  it('a policy object (instance) configured at the route', async () => {
    expectOk(await at(adapter, '/policies/instance', kit.accessToken({ 'custom:tenant': 'acme' })));
    expectForbidden(await at(adapter, '/policies/instance', kit.accessToken({ 'custom:tenant': 'globex' })));
  });

  it('does not run on a @Public() route', async () => {
    expectOk(await at(adapter, '/policies/public'));
    expectOk(await at(adapter, '/policies/public', kit.accessToken()));
  });
});

describe('a policy that throws an HttpException keeps its status', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    const sync = await at(adapter, '/policies/http-exception', kit.accessToken());
    expect({ status: sync.status, body: sync.json(), challenge: sync.headers['www-authenticate'] }).toEqual({
      status: 404,
      body: { statusCode: 404, message: 'No such order', error: 'Not Found' },
      challenge: undefined,
    });
    const later = await at(adapter, '/policies/http-exception-async', kit.accessToken());
    expect({ status: later.status, message: later.json().message }).toEqual({
      status: 402,
      message: 'Upgrade your plan',
    });
  });
});

describe('a policy that throws anything else: 403, never 500, logged once per policy without token data', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    const token = kit.accessToken({ 'custom:tenant': 'tenant-in-the-token' });
    const before = logLines().filter((line) => line.includes('explodingPolicy')).length;
    expectForbidden(await at(adapter, '/policies/throws', token), MESSAGES.policy);
    expectForbidden(await at(adapter, '/policies/throws', token), MESSAGES.policy);
    const logged = logLines().filter((line) => line.includes('explodingPolicy'));
    expect(logged.length - before).toBe(1);
    const line = logged.at(-1)!;
    expect(line).toContain('Policy explodingPolicy threw Error; answering 403');
    expect(line).toContain('policies-custom.e2e.spec.ts');
    expect(line).not.toContain('tenant-in-the-token');
    expect(logLines().join('\n')).not.toContain(token);
  });

  it.each(ADAPTERS)('also when an async policy rejects (%s)', async (adapter) => {
    const before = logLines().filter((line) => line.includes('explodingLaterPolicy')).length;
    expectForbidden(await at(adapter, '/policies/throws-async', kit.accessToken()), MESSAGES.policy);
    expectForbidden(await at(adapter, '/policies/throws-async', kit.accessToken()), MESSAGES.policy);
    expect(logLines().filter((line) => line.includes('explodingLaterPolicy')).length - before).toBe(1);
  });
});

describe('@Policy(Class): an injectable policy class with a dependency', () => {
  it.each(ADAPTERS)('a provider, asynchronous, reading the order id from the path (%s)', async (adapter) => {
    expectOk(await at(adapter, '/orders/o-1', kit.accessToken({ sub: 'user-1' })));
    expectForbidden(await at(adapter, '/orders/o-1', kit.accessToken({ sub: 'user-2' })), MESSAGES.policy);
    expectForbidden(await at(adapter, '/orders/o-9', kit.accessToken({ sub: 'user-1' })));
  });

  it.each(ADAPTERS)(
    'not a provider: created once in the module of the controller, with that module’s services (%s)',
    async (adapter) => {
      expectOk(await at(adapter, '/orders/o-1/known', kit.accessToken()));
      expectOk(await at(adapter, '/orders/o-2/known', kit.accessToken()));
      expectForbidden(await at(adapter, '/orders/x-1/known', kit.accessToken()));
    },
  );

  it.each(ADAPTERS)('a provider of the root module, used by a controller of the root module (%s)', async (adapter) => {
    expectOk(await at(adapter, '/policies/active-tenant', kit.accessToken({ 'custom:tenant': 'acme' })));
    expectForbidden(await at(adapter, '/policies/active-tenant', kit.accessToken({ 'custom:tenant': 'globex' })));
  });

  it.each(ADAPTERS)('a request-scoped provider: one instance per request (%s)', async (adapter) => {
    const before = RequestHeaderPolicy.instances;
    expectOk(await at(adapter, '/policies/request-scoped', kit.accessToken(), { 'x-allow': 'yes' }));
    expectForbidden(await at(adapter, '/policies/request-scoped', kit.accessToken(), { 'x-allow': 'no' }));
    expect(RequestHeaderPolicy.instances - before).toBe(2);
  });
});

describe('rules combined at class and handler level', () => {
  const acme = (claims: Record<string, unknown> = {}) => kit.accessToken({ 'custom:tenant': 'acme', ...claims });

  it.each(ADAPTERS)('class @NotGroups and class @Policy both apply (%s)', async (adapter) => {
    expectOk(await at(adapter, '/combined/inherited', acme()));
    expectForbidden(
      await at(adapter, '/combined/inherited', kit.accessToken({ 'custom:tenant': 'globex' })),
      MESSAGES.policy,
    );
    expectForbidden(
      await at(adapter, '/combined/inherited', acme({ 'cognito:groups': ['suspended'] })),
      MESSAGES.notGroups,
    );
  });

  it.each(ADAPTERS)(
    'a handler @Policy replaces the class @Policy; the class @NotGroups stays (%s)',
    async (adapter) => {
      expectOk(await at(adapter, '/combined/owner/u-1', kit.accessToken({ sub: 'u-1', 'custom:tenant': 'globex' })));
      expectForbidden(await at(adapter, '/combined/owner/u-1', acme({ sub: 'u-2' })), MESSAGES.policy);
      expectForbidden(
        await at(adapter, '/combined/owner/u-1', kit.accessToken({ sub: 'u-1', 'cognito:groups': ['suspended'] })),
      );
    },
  );

  it.each(ADAPTERS)(
    'groups, all-groups, none-of, claim, scope and policy on one route: each one can refuse (%s)',
    async (adapter) => {
      const everything = {
        'cognito:groups': ['admin', 'ops', 'oncall'],
        email_verified: true,
        scope: 'orders/read',
        'custom:tenant': 'acme',
      };
      const call = (changes: Record<string, unknown>) =>
        at(adapter, '/combined/everything', kit.idToken({ ...everything, ...changes }));
      expectOk(await at(adapter, '/combined/everything', kit.accessToken(everything)));
      expectForbidden(await call({ 'cognito:groups': ['ops', 'oncall'] }), MESSAGES.anyGroup);
      expectForbidden(await call({ 'cognito:groups': ['admin', 'ops'] }), MESSAGES.allGroups);
      expectForbidden(await call({ 'cognito:groups': ['admin', 'ops', 'oncall', 'suspended'] }), MESSAGES.notGroups);
      expectForbidden(await call({ email_verified: false }), MESSAGES.claim('email_verified'));
      expectForbidden(await call({ 'custom:tenant': 'globex' }), MESSAGES.policy);
      const noScope = await at(adapter, '/combined/everything', kit.accessToken({ ...everything, scope: 'openid' }));
      expect({ status: noScope.status, challenge: noScope.headers['www-authenticate'] }).toEqual({
        status: 403,
        challenge: 'Bearer error="insufficient_scope", scope="orders/read"',
      });
    },
  );

  it.each(ADAPTERS)('custom policies run only for users who passed the built-in rules (%s)', async (adapter) => {
    const before = countedRuns;
    expectForbidden(await at(adapter, '/combined/counted', acme({ 'cognito:groups': ['ops'] })));
    expectForbidden(await at(adapter, '/combined/counted', acme({ 'cognito:groups': ['admin', 'suspended'] })));
    expect(countedRuns).toBe(before);
    expectOk(await at(adapter, '/combined/counted', acme({ 'cognito:groups': ['admin'] })));
    expect(countedRuns).toBe(before + 1);
  });
});

describe('GraphQL resolvers: the same policies', () => {
  it.each(ADAPTERS)(
    'a function reading the resolver arguments, an injectable class, async refusal, a throw (%s)',
    async (adapter) => {
      const app = apps[adapter];
      await expectFieldAllowed(app, 'owner(sub: "user-1")', kit.accessToken({ sub: 'user-1' }));
      await expectFieldRefused(app, 'owner(sub: "user-1")', kit.accessToken({ sub: 'user-2' }));
      await expectFieldAllowed(app, 'activeTenant', kit.accessToken({ 'custom:tenant': 'acme' }));
      await expectFieldRefused(app, 'activeTenant', kit.accessToken({ 'custom:tenant': 'globex' }));
      await expectFieldRefused(app, 'refusedLater', kit.accessToken());
      await expectFieldRefused(app, 'exploding', kit.accessToken());
    },
  );
});

describe('OpenAPI: each policy is named, with a 403', () => {
  const { operation } = useOpenApiDocument(() => apps.express.app);

  it('names function, class and instance policies, stacked ones in the order written', () => {
    expect(operation('/policies/owner/{sub}')['x-policies']).toEqual(['isPathOwner']);
    expect(operation('/policies/stacked-refuse')['x-policies']).toEqual(['allowLater', 'refuse']);
    expect(operation('/orders/{id}')['x-policies']).toEqual(['OrderOwnerPolicy']);
    expect(operation('/policies/instance')['x-policies']).toEqual(['TenantIs']);
    for (const path of ['/policies/owner/{sub}', '/orders/{id}']) {
      expect(operation(path).responses['403'], path).toBeDefined();
      expect(operation(path).security, path).toEqual([{ cognito: [] }]);
    }
  });

  it('a handler policy replaces the class policy; the class keeps the others', () => {
    expect(operation('/combined/owner/{sub}')['x-policies']).toEqual(['isPathOwner']);
    expect(operation('/combined/owner/{sub}')['x-excluded-groups']).toEqual(['suspended']);
    expect(operation('/combined/inherited')['x-policies']).toEqual(['TenantIs']);
  });

  it('@Public() routes show no policy and no 403', () => {
    expect(operation('/policies/public').security).toEqual([]);
    expect(operation('/policies/public').responses['403']).toBeUndefined();
    expect(operation('/policies/public')['x-policies']).toBeUndefined();
  });
});
