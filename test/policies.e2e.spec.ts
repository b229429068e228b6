/**
 * Authorization rules beyond @Groups/@Scopes: @AllGroups, @NotGroups, @RequireClaim and
 * @Policy (functions, injectable classes, instances), alone and combined, at class and handler
 * level, over HTTP on both adapters and in GraphQL resolvers; the OpenAPI document; the sample
 * app's /policies routes.
 */
import {
  Controller,
  type ExecutionContext,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Scope,
} from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  AllGroups,
  CognitoAuthConfigError,
  CognitoAuthModule,
  type CognitoPolicyHandler,
  type CognitoUser,
  Groups,
  NotGroups,
  Policy,
  Public,
  RequireClaim,
  Scopes,
} from 'nestjs-cognito-auth';
import { addCognitoBearerAuth, applyCognitoSecurity } from 'nestjs-cognito-auth/swagger';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleGraphqlModule } from '../sample-app/src/graphql.module.js';
import type { HttpAdapterName } from '../sample-app/src/sample-config.js';
import { expectBareChallenge } from './support/auth-e2e.js';
import { bearer, get, type HttpResult, send } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp, startSampleApp } from './support/test-app.js';

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

@Controller('groups')
class GroupRulesController {
  @AllGroups('admin', 'ops')
  @Get('all')
  all() {
    return { ok: true };
  }

  @NotGroups('suspended', 'banned')
  @Get('none')
  none() {
    return { ok: true };
  }

  @Groups('admin', 'ops')
  @NotGroups('suspended')
  @Get('any-but-suspended')
  anyButSuspended() {
    return { ok: true };
  }

  @AllGroups('a')
  @AllGroups('b')
  @Get('stacked')
  stacked() {
    return { ok: true };
  }
}

@AllGroups('team')
@NotGroups('suspended')
@Controller('class-groups')
class ClassGroupRulesController {
  @Get('inherited')
  inherited() {
    return { ok: true };
  }

  @AllGroups('lead')
  @Get('own-all')
  ownAll() {
    return { ok: true };
  }

  @NotGroups('interns')
  @Get('own-none')
  ownNone() {
    return { ok: true };
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

@Controller('claims')
class ClaimsController {
  @RequireClaim('custom:tenant', 'acme', 'globex')
  @Get('tenant')
  tenant() {
    return { ok: true };
  }

  @RequireClaim('email_verified')
  @Get('present')
  present() {
    return { ok: true };
  }

  @RequireClaim('email_verified', 'true')
  @Get('verified')
  verified() {
    return { ok: true };
  }

  @RequireClaim('email_verified', true)
  @Get('verified-boolean')
  verifiedBoolean() {
    return { ok: true };
  }

  @RequireClaim('custom:tenant', 'acme')
  @RequireClaim('email_verified', 'true')
  @Get('both')
  both() {
    return { ok: true };
  }

  @RequireClaim('constructor')
  @Get('inherited-name')
  inheritedName() {
    return { ok: true };
  }
}

@RequireClaim('custom:tenant', 'acme')
@Controller('class-claims')
class ClassClaimsController {
  @Get('inherited')
  inherited() {
    return { ok: true };
  }

  @RequireClaim('custom:tenant', 'globex')
  @Get('own')
  own() {
    return { ok: true };
  }
}

@Controller('policies')
class PoliciesController {
  @Policy(isPathOwner)
  @Get('owner/:sub')
  owner() {
    return { ok: true };
  }

  @Policy(allow, refuse)
  @Get('allow-and-refuse')
  allowAndRefuse() {
    return { ok: true };
  }

  @Policy(allow)
  @Policy(allowLater)
  @Get('stacked-allow')
  stackedAllow() {
    return { ok: true };
  }

  @Policy(allowLater)
  @Policy(refuse)
  @Get('stacked-refuse')
  stackedRefuse() {
    return { ok: true };
  }

  @Policy(truthy)
  @Get('truthy')
  truthy() {
    return { ok: true };
  }

  @Policy(forgetsToReturn)
  @Get('no-return')
  noReturn() {
    return { ok: true };
  }

  @Policy(allowLater)
  @Get('async-allow')
  asyncAllow() {
    return { ok: true };
  }

  @Policy(refuseLater)
  @Get('async-refuse')
  asyncRefuse() {
    return { ok: true };
  }

  @Policy(notFound)
  @Get('http-exception')
  httpException() {
    return { ok: true };
  }

  @Policy(allowLater, paymentRequiredLater)
  @Get('http-exception-async')
  httpExceptionAsync() {
    return { ok: true };
  }

  @Policy(explodingPolicy)
  @Get('throws')
  throws() {
    return { ok: true };
  }

  @Policy(explodingLaterPolicy)
  @Get('throws-async')
  throwsAsync() {
    return { ok: true };
  }

  @Policy(new TenantIs('acme'))
  @Get('instance')
  instance() {
    return { ok: true };
  }

  @Policy(ActiveTenantPolicy)
  @Get('active-tenant')
  activeTenant() {
    return { ok: true };
  }

  @Policy(RequestHeaderPolicy)
  @Get('request-scoped')
  requestScoped() {
    return { ok: true };
  }

  @Public()
  @Policy(refuse)
  @Get('public')
  open() {
    return { ok: true };
  }
}

@Controller('orders')
class OrdersController {
  @Policy(OrderOwnerPolicy)
  @Get(':id')
  order() {
    return { ok: true };
  }

  @Policy(KnownOrderPolicy)
  @Get(':id/known')
  known() {
    return { ok: true };
  }
}

/** The orders feature: its repository is visible here only, not in the root module. */
@Module({ providers: [OrdersRepository, OrderOwnerPolicy], controllers: [OrdersController] })
class OrdersModule {}

@NotGroups('suspended')
@Policy(new TenantIs('acme'))
@Controller('combined')
class CombinedController {
  @Get('inherited')
  inherited() {
    return { ok: true };
  }

  @Policy(isPathOwner)
  @Get('owner/:sub')
  owner() {
    return { ok: true };
  }

  @Groups('admin')
  @AllGroups('ops', 'oncall')
  @RequireClaim('email_verified', 'true')
  @Scopes('orders/read')
  @Policy(allowLater, new TenantIs('acme'))
  @Get('everything')
  everything() {
    return { ok: true };
  }

  @Groups('admin')
  @Policy(counted)
  @Get('counted')
  counted() {
    return { ok: true };
  }
}

@Resolver()
class PolicyResolver {
  @AllGroups('admin', 'ops')
  @Query(() => Boolean)
  allGroups(): boolean {
    return true;
  }

  @NotGroups('suspended')
  @Query(() => Boolean)
  notSuspended(): boolean {
    return true;
  }

  @Groups('admin')
  @Query(() => Boolean)
  anyGroup(): boolean {
    return true;
  }

  @RequireClaim('custom:tenant', 'acme')
  @Query(() => Boolean)
  tenant(): boolean {
    return true;
  }

  /** In GraphQL the arguments are the handler's second argument. */
  @Policy((user, context) => context.getArgByIndex<{ sub?: string }>(1)?.sub === user.sub)
  @Query(() => Boolean)
  owner(@Args('sub') _sub: string): boolean {
    return true;
  }

  @Policy(ActiveTenantPolicy)
  @Query(() => Boolean)
  activeTenant(): boolean {
    return true;
  }

  @Policy(refuseLater)
  @Query(() => Boolean)
  refusedLater(): boolean {
    return true;
  }

  @Policy(explodingLaterPolicy)
  @Query(() => Boolean)
  exploding(): boolean {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------

let kit: CognitoTestKit;
const apps = {} as Record<HttpAdapterName, RunningApp>;
const others: RunningApp[] = [];

beforeAll(async () => {
  kit = await createCognitoTestKit();
  for (const adapter of ADAPTERS) {
    apps[adapter] = await startApp(
      {
        imports: [
          CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenUse: 'any' }),
          OrdersModule,
          sampleGraphqlModule(adapter),
        ],
        controllers: [
          GroupRulesController,
          ClassGroupRulesController,
          ClaimsController,
          ClassClaimsController,
          PoliciesController,
          CombinedController,
        ],
        providers: [TenantDirectory, ActiveTenantPolicy, RequestHeaderPolicy, PolicyResolver],
      },
      { adapter },
    );
  }
});

afterAll(async () => {
  await Promise.all([...Object.values(apps), ...others].map((running) => running.close()));
  await kit?.close();
});

const at = (adapter: HttpAdapterName, path: string, token?: string, headers: Record<string, string> = {}) =>
  get(`${apps[adapter].url}${path}`, { ...headers, ...(token === undefined ? {} : bearer(token)) });

const withGroups = (...groups: string[]) => kit.accessToken({ 'cognito:groups': groups });

function expectOk(res: HttpResult): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: JSON.stringify({ ok: true }) });
}

/** 403, no challenge, and the message says which kind of rule refused. */
function expectForbidden(res: HttpResult, message?: string): void {
  expect({ status: res.status, wwwAuthenticate: res.headers['www-authenticate'] }).toEqual({
    status: 403,
    wwwAuthenticate: undefined,
  });
  if (message !== undefined) expect(res.json()).toEqual({ statusCode: 403, message, error: 'Forbidden' });
}

const MESSAGES = {
  anyGroup: 'The user is not in a group allowed here',
  allGroups: 'The user is not in all the groups required here',
  notGroups: 'The user is in a group not allowed here',
  claim: (claim: string) => `The token's ${claim} claim is missing or not accepted here`,
  policy: 'A policy of this route refused the request',
} as const;

/** Every captured log line of every app (Nest's static logger writes to the app created last). */
const logLines = () => [...Object.values(apps), ...others].flatMap((running) => running.logs.lines);

describe('decorators refuse empty or malformed rules when they run', () => {
  it.each([
    ['@AllGroups()', () => AllGroups()],
    ['@NotGroups()', () => NotGroups()],
    ['@Policy()', () => Policy()],
    ["@Policy('name')", () => Policy('name' as never)],
    ['@Policy({})', () => Policy({} as never)],
    ["@RequireClaim('')", () => RequireClaim('')],
    ["@RequireClaim('a', {})", () => RequireClaim('a', {} as never)],
  ])('%s throws CognitoAuthConfigError', (_name, decorate) => {
    expect(decorate).toThrow(CognitoAuthConfigError);
  });
});

describe('@AllGroups(...names): every one of them', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/groups/all', withGroups('admin', 'ops')));
    expectOk(await at(adapter, '/groups/all', withGroups('ops', 'x', 'admin')));
    expectForbidden(await at(adapter, '/groups/all', withGroups('admin')), MESSAGES.allGroups);
    expectForbidden(await at(adapter, '/groups/all', withGroups('ops')), MESSAGES.allGroups);
    expectForbidden(await at(adapter, '/groups/all', kit.accessToken()), MESSAGES.allGroups);
    expectBareChallenge(await at(adapter, '/groups/all'));
  });

  it.each(ADAPTERS)('stacked decorators add up (%s)', async (adapter) => {
    expectOk(await at(adapter, '/groups/stacked', withGroups('a', 'b')));
    expectForbidden(await at(adapter, '/groups/stacked', withGroups('a')));
    expectForbidden(await at(adapter, '/groups/stacked', withGroups('b')));
  });
});

describe('@NotGroups(...names): none of them, whatever other rules allow', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/groups/none', kit.accessToken()));
    expectOk(await at(adapter, '/groups/none', withGroups('admin')));
    expectForbidden(await at(adapter, '/groups/none', withGroups('suspended')), MESSAGES.notGroups);
    expectForbidden(await at(adapter, '/groups/none', withGroups('admin', 'banned')), MESSAGES.notGroups);
    expectBareChallenge(await at(adapter, '/groups/none'));
  });

  it.each(ADAPTERS)('with @Groups: admins or ops, but not suspended ones (%s)', async (adapter) => {
    expectOk(await at(adapter, '/groups/any-but-suspended', withGroups('ops')));
    expectForbidden(
      await at(adapter, '/groups/any-but-suspended', withGroups('admin', 'suspended')),
      MESSAGES.notGroups,
    );
    expectForbidden(await at(adapter, '/groups/any-but-suspended', withGroups('suspended')), MESSAGES.anyGroup);
  });
});

describe('group rules at class and handler level: a handler rule replaces the class rule of the same kind', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    // inherited: both class rules
    expectOk(await at(adapter, '/class-groups/inherited', withGroups('team')));
    expectForbidden(await at(adapter, '/class-groups/inherited', withGroups('lead')));
    expectForbidden(await at(adapter, '/class-groups/inherited', withGroups('team', 'suspended')));
    // own @AllGroups('lead') replaces @AllGroups('team'); the class @NotGroups still applies
    expectOk(await at(adapter, '/class-groups/own-all', withGroups('lead')));
    expectForbidden(await at(adapter, '/class-groups/own-all', withGroups('team')));
    expectForbidden(await at(adapter, '/class-groups/own-all', withGroups('lead', 'suspended')));
    // own @NotGroups('interns') replaces @NotGroups('suspended'); the class @AllGroups still applies
    expectOk(await at(adapter, '/class-groups/own-none', withGroups('team', 'suspended')));
    expectForbidden(await at(adapter, '/class-groups/own-none', withGroups('team', 'interns')));
    expectForbidden(await at(adapter, '/class-groups/own-none', withGroups('interns')));
    // @Public() wins over every rule
    expectOk(await at(adapter, '/class-groups/public'));
    expectOk(await at(adapter, '/class-groups/public', withGroups('suspended')));
  });
});

describe('@RequireClaim(claim, ...values): equal to one of the values, compared as text', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    const tenant = (value: unknown) => at(adapter, '/claims/tenant', kit.idToken({ 'custom:tenant': value }));
    expectOk(await tenant('acme'));
    expectOk(await tenant('globex'));
    expectForbidden(await tenant('ACME'), MESSAGES.claim('custom:tenant'));
    expectForbidden(await tenant('acme '));
    expectForbidden(await tenant(null));
    expectForbidden(await tenant(undefined));
    expectForbidden(await tenant({ name: 'acme' }));
    // An array claim matches when one of its items does.
    expectOk(await tenant(['other', 'acme']));
    expectForbidden(await tenant(['other']));
  });

  it.each(ADAPTERS)("email_verified: 'true' matches the string and the boolean (%s)", async (adapter) => {
    for (const path of ['/claims/verified', '/claims/verified-boolean']) {
      const verified = (value: unknown) => at(adapter, path, kit.idToken({ email_verified: value }));
      expectOk(await verified(true));
      expectOk(await verified('true'));
      expectForbidden(await verified(false), MESSAGES.claim('email_verified'));
      expectForbidden(await verified('false'));
      expectForbidden(await verified(undefined));
    }
  });

  it.each(ADAPTERS)('stacked requirements add up (%s)', async (adapter) => {
    expectOk(await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'acme', email_verified: true })));
    expectForbidden(await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'acme', email_verified: false })));
    expectForbidden(
      await at(adapter, '/claims/both', kit.idToken({ 'custom:tenant': 'globex', email_verified: true })),
    );
  });
});

describe('@RequireClaim(claim): present with any value', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    const present = (value: unknown) => at(adapter, '/claims/present', kit.idToken({ email_verified: value }));
    expectOk(await present(true));
    // Present is present: false too. Require 'true' to mean "verified".
    expectOk(await present(false));
    expectOk(await present(''));
    expectForbidden(await present(null));
    expectForbidden(await present(undefined), MESSAGES.claim('email_verified'));
  });

  it.each(ADAPTERS)("reads the token's own claims, not inherited object properties (%s)", async (adapter) => {
    expectForbidden(await at(adapter, '/claims/inherited-name', kit.accessToken()));
  });
});

describe('claim requirements at class and handler level', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/class-claims/inherited', kit.accessToken({ 'custom:tenant': 'acme' })));
    expectForbidden(await at(adapter, '/class-claims/inherited', kit.accessToken({ 'custom:tenant': 'globex' })));
    expectOk(await at(adapter, '/class-claims/own', kit.accessToken({ 'custom:tenant': 'globex' })));
    expectForbidden(await at(adapter, '/class-claims/own', kit.accessToken({ 'custom:tenant': 'acme' })));
  });
});

describe('@Policy(fn): a function with the user and the execution context', () => {
  it.each(ADAPTERS)('ownership from the request: the caller’s sub must be the path’s (%s)', async (adapter) => {
    expectOk(await at(adapter, '/policies/owner/user-1', kit.accessToken({ sub: 'user-1' })));
    expectForbidden(await at(adapter, '/policies/owner/user-1', kit.accessToken({ sub: 'user-2' })), MESSAGES.policy);
    expectBareChallenge(await at(adapter, '/policies/owner/user-1'));
  });

  it.each(ADAPTERS)('only true allows: truthy values and a missing return refuse (%s)', async (adapter) => {
    expectForbidden(await at(adapter, '/policies/truthy', kit.accessToken()), MESSAGES.policy);
    expectForbidden(await at(adapter, '/policies/no-return', kit.accessToken()), MESSAGES.policy);
  });

  it.each(ADAPTERS)('a policy object (instance) configured at the route (%s)', async (adapter) => {
    expectOk(await at(adapter, '/policies/instance', kit.accessToken({ 'custom:tenant': 'acme' })));
    expectForbidden(await at(adapter, '/policies/instance', kit.accessToken({ 'custom:tenant': 'globex' })));
  });

  it.each(ADAPTERS)('does not run on a @Public() route (%s)', async (adapter) => {
    expectOk(await at(adapter, '/policies/public'));
    expectOk(await at(adapter, '/policies/public', kit.accessToken()));
  });
});

describe('async policies', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectOk(await at(adapter, '/policies/async-allow', kit.accessToken()));
    expectForbidden(await at(adapter, '/policies/async-refuse', kit.accessToken()), MESSAGES.policy);
    expectBareChallenge(await at(adapter, '/policies/async-allow'));
  });
});

describe('several policies: all must allow, in order', () => {
  it.each(ADAPTERS)('%s', async (adapter) => {
    expectForbidden(await at(adapter, '/policies/allow-and-refuse', kit.accessToken()), MESSAGES.policy);
    expectOk(await at(adapter, '/policies/stacked-allow', kit.accessToken()));
    expectForbidden(await at(adapter, '/policies/stacked-refuse', kit.accessToken()), MESSAGES.policy);
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
    expect(line).toContain('policies.e2e.spec.ts');
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

describe('GraphQL resolvers: the same rules', () => {
  const query = (adapter: HttpAdapterName, body: string, token?: string) =>
    send(
      'POST',
      `${apps[adapter].url}/graphql`,
      { 'content-type': 'application/json', ...(token === undefined ? {} : bearer(token)) },
      JSON.stringify({ query: body }),
    ).then((res) => res.json());

  async function expectAllowed(adapter: HttpAdapterName, field: string, token: string) {
    expect(await query(adapter, `{ ${field} }`, token)).toEqual({ data: { [field.replace(/\(.*$/, '')]: true } });
  }

  async function expectRefused(adapter: HttpAdapterName, field: string, token: string | undefined, code = 'FORBIDDEN') {
    const body = await query(adapter, `{ ${field} }`, token);
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions.code).toBe(code);
    expect(JSON.stringify(body)).not.toContain('stacktrace');
  }

  it.each(ADAPTERS)('group rules: any-of, all-of, none-of (%s)', async (adapter) => {
    await expectAllowed(adapter, 'anyGroup', withGroups('admin'));
    await expectRefused(adapter, 'anyGroup', withGroups('ops'));
    await expectAllowed(adapter, 'allGroups', withGroups('admin', 'ops'));
    await expectRefused(adapter, 'allGroups', withGroups('admin'));
    await expectAllowed(adapter, 'notSuspended', withGroups('admin'));
    await expectRefused(adapter, 'notSuspended', withGroups('suspended'));
    await expectRefused(adapter, 'notSuspended', undefined, 'UNAUTHENTICATED');
  });

  it.each(ADAPTERS)('claim requirement (%s)', async (adapter) => {
    await expectAllowed(adapter, 'tenant', kit.accessToken({ 'custom:tenant': 'acme' }));
    await expectRefused(adapter, 'tenant', kit.accessToken({ 'custom:tenant': 'globex' }));
  });

  it.each(ADAPTERS)(
    'policies: a function reading the resolver arguments, an injectable class, async refusal, a throw (%s)',
    async (adapter) => {
      await expectAllowed(adapter, 'owner(sub: "user-1")', kit.accessToken({ sub: 'user-1' }));
      await expectRefused(adapter, 'owner(sub: "user-1")', kit.accessToken({ sub: 'user-2' }));
      await expectAllowed(adapter, 'activeTenant', kit.accessToken({ 'custom:tenant': 'acme' }));
      await expectRefused(adapter, 'activeTenant', kit.accessToken({ 'custom:tenant': 'globex' }));
      await expectRefused(adapter, 'refusedLater', kit.accessToken());
      await expectRefused(adapter, 'exploding', kit.accessToken());
    },
  );
});

describe('OpenAPI: each rule shows a 403 and an extension naming it', () => {
  let document: any;
  beforeAll(() => {
    const config = addCognitoBearerAuth(new DocumentBuilder().setTitle('policies')).build();
    document = applyCognitoSecurity(SwaggerModule.createDocument(apps.express.app, config));
  });
  const operation = (path: string) => document.paths[path].get;

  it('names group, claim and policy rules, stacked ones included', () => {
    expect(operation('/groups/all')['x-required-all-groups']).toEqual(['admin', 'ops']);
    expect(operation('/groups/stacked')['x-required-all-groups']).toEqual(['a', 'b']);
    expect(operation('/groups/none')['x-excluded-groups']).toEqual(['suspended', 'banned']);
    expect(operation('/groups/any-but-suspended')).toMatchObject({
      'x-required-groups': ['admin', 'ops'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/claims/both')['x-required-claims']).toEqual([
      { claim: 'custom:tenant', values: ['acme'] },
      { claim: 'email_verified', values: ['true'] },
    ]);
    expect(operation('/claims/present')['x-required-claims']).toEqual([{ claim: 'email_verified' }]);
    expect(operation('/policies/owner/{sub}')['x-policies']).toEqual(['isPathOwner']);
    expect(operation('/policies/stacked-refuse')['x-policies']).toEqual(['allowLater', 'refuse']);
    expect(operation('/orders/{id}')['x-policies']).toEqual(['OrderOwnerPolicy']);
    expect(operation('/policies/instance')['x-policies']).toEqual(['TenantIs']);
    for (const path of ['/groups/all', '/groups/none', '/claims/tenant', '/policies/owner/{sub}', '/orders/{id}']) {
      expect(operation(path).responses['403'], path).toBeDefined();
      expect(operation(path).security, path).toEqual([{ cognito: [] }]);
    }
    expect(JSON.stringify(document)).not.toContain('x-cognito-auth');
  });

  it('class rules apply to handlers without their own rule of that kind', () => {
    expect(operation('/class-groups/inherited')).toMatchObject({
      'x-required-all-groups': ['team'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/class-groups/own-all')).toMatchObject({
      'x-required-all-groups': ['lead'],
      'x-excluded-groups': ['suspended'],
    });
    expect(operation('/class-claims/own')['x-required-claims']).toEqual([
      { claim: 'custom:tenant', values: ['globex'] },
    ]);
    expect(operation('/combined/owner/{sub}')['x-policies']).toEqual(['isPathOwner']);
    expect(operation('/combined/inherited')['x-policies']).toEqual(['TenantIs']);
  });

  it('@Public() routes show no rule and no 403', () => {
    for (const path of ['/class-groups/public', '/policies/public']) {
      expect(operation(path).security, path).toEqual([]);
      expect(operation(path).responses['403'], path).toBeUndefined();
      expect(operation(path)['x-policies'], path).toBeUndefined();
    }
  });
});

describe.each(ADAPTERS)('sample app /policies routes (%s)', (adapter) => {
  let sample: RunningApp;
  beforeAll(async () => {
    sample = await startSampleApp(kit, { adapter });
    others.push(sample);
  });
  const call = (path: string, claims?: Record<string, unknown>) =>
    get(`${sample.url}${path}`, claims === undefined ? {} : bearer(kit.accessToken(claims)));

  it('GET /policies/all-groups needs admin and ops', async () => {
    expectOk(await call('/policies/all-groups', { 'cognito:groups': ['admin', 'ops'] }));
    expectForbidden(await call('/policies/all-groups', { 'cognito:groups': ['admin'] }));
    expectBareChallenge(await call('/policies/all-groups'));
  });

  it('GET /policies/not-suspended refuses suspended users', async () => {
    expectOk(await call('/policies/not-suspended', {}));
    expectForbidden(await call('/policies/not-suspended', { 'cognito:groups': ['admin', 'suspended'] }));
  });

  it('GET /policies/tenant needs custom:tenant acme', async () => {
    expectOk(await call('/policies/tenant', { 'custom:tenant': 'acme' }));
    expectForbidden(await call('/policies/tenant', { 'custom:tenant': 'globex' }));
    expectForbidden(await call('/policies/tenant', {}));
  });

  it("GET /policies/owner/:sub admits the path's own user only", async () => {
    expectOk(await call('/policies/owner/alice-sub', { sub: 'alice-sub' }));
    expectForbidden(await call('/policies/owner/alice-sub', { sub: 'bob-sub' }));
  });

  it('documents each route with its rule and a 403', async () => {
    const document = (await get(`${sample.url}/docs-json`)).json();
    const op = (path: string) => document.paths[path].get;
    expect(op('/policies/all-groups')['x-required-all-groups']).toEqual(['admin', 'ops']);
    expect(op('/policies/not-suspended')['x-excluded-groups']).toEqual(['suspended']);
    expect(op('/policies/tenant')['x-required-claims']).toEqual([{ claim: 'custom:tenant', values: ['acme'] }]);
    expect(op('/policies/owner/{sub}')['x-policies']).toEqual(['isOwner']);
    for (const path of [
      '/policies/all-groups',
      '/policies/not-suspended',
      '/policies/tenant',
      '/policies/owner/{sub}',
    ]) {
      expect(op(path).responses['403'], path).toBeDefined();
    }
  });
});
