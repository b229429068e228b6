import { type ExecutionContext, HttpException, type Logger, Scope, type Type } from '@nestjs/common';
import { ContextIdFactory, ModuleRef, type ModulesContainer } from '@nestjs/core';
import { getRequestFromContext } from '../contexts/execution-context.js';
import { DEFAULTS } from '../cognito-auth.constants.js';
import {
  CallbackUnavailableError,
  type CognitoAuthConfigError,
  CognitoAuthError,
  PolicyRefusedError,
} from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { withTimeout } from '../errors/with-timeout.js';
import type { CognitoRouteTokenUse } from '../interfaces/cognito-authorization.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { type CognitoPolicy, type CognitoPolicyHandler, isPolicyClass, policyName } from './cognito-policy.js';
import type { PolicyRunnerLike } from './rule-kind.js';

/** Where the handler of a policy class comes from, found once per class and module. */
type HandlerSource =
  | { readonly kind: 'instance'; readonly instance: CognitoPolicyHandler }
  | { readonly kind: 'per-request' }
  | { readonly kind: 'created'; instance?: CognitoPolicyHandler; readonly pending: Promise<CognitoPolicyHandler> };

/** What the runner needs from Nest; absent when the guard was built with `new` instead of by Nest. */
export interface PolicyInjector {
  readonly moduleRef?: ModuleRef;
  readonly modules?: ModulesContainer;
}

/** What the runner reads from the module's configuration (the guard passes the whole of it). */
export interface PolicyRunnerConfig {
  /** How long a policy may take before the request is answered 503. */
  readonly callbackTimeoutMs?: number;
  /** The configured pools, for the token kinds they accept. */
  readonly poolsByIssuer?: ReadonlyMap<string, { readonly tokenUse: string }>;
  /** Present when pools are resolved per issuer: which kinds they accept is not known in advance. */
  readonly userPoolResolver?: unknown;
}

/**
 * Runs custom policies. It stays synchronous while the policy is (the guard's hot path) and
 * turns every outcome into "allowed" or one refusal the guard can answer: a Nest
 * `HttpException` or one of the module's errors as thrown, `false` (or anything but `true`) as
 * a `PolicyRefusedError`, and any other throw as a `PolicyRefusedError` after one log line per
 * policy, so a failing policy cannot flood the logs. A policy that does not answer within
 * `callbackTimeoutMs` is answered 503 with `Retry-After` (`CallbackUnavailableError`), logged once.
 */
export class PolicyRunner implements PolicyRunnerLike {
  readonly acceptedTokenUses?: ReadonlySet<CognitoRouteTokenUse>;
  private readonly timeoutMs: number;
  private readonly reported = new WeakSet<object>();
  private readonly hostModules = new WeakMap<object, ModuleRef>();
  private readonly sources = new WeakMap<ModuleRef, Map<Type<CognitoPolicyHandler>, HandlerSource>>();

  constructor(
    private readonly injector: PolicyInjector,
    private readonly logger: Logger,
    config: PolicyRunnerConfig = {},
  ) {
    this.timeoutMs = config.callbackTimeoutMs ?? DEFAULTS.callbackTimeoutMs;
    if (config.poolsByIssuer?.size && !config.userPoolResolver) {
      this.acceptedTokenUses = acceptedTokenUses(config.poolsByIssuer.values());
    }
  }

  reportConfigError(error: CognitoAuthConfigError): void {
    logOnce(this.logger, error.message, error.message);
  }

  /** Returns when the policy allows the request, or a promise of that; throws (rejects) the refusal. */
  run(policy: CognitoPolicy, user: CognitoUser, context: ExecutionContext): void | Promise<void> {
    let verdict: unknown;
    try {
      verdict = this.evaluate(policy, user, context);
    } catch (error) {
      throw this.refusal(policy, error);
    }
    if (!isThenable(verdict)) return this.require(policy, verdict);
    return withTimeout(verdict, this.timeoutMs, () => this.timedOut(policy)).then(
      (value) => this.require(policy, value),
      (error: unknown) => {
        throw this.refusal(policy, error);
      },
    );
  }

  /** Policies get the principal the guard placed: the app's own user with `transformUser`, else the Cognito user. */
  private evaluate(policy: CognitoPolicy, cognitoUser: CognitoUser, context: ExecutionContext): unknown {
    const user = getRequestFromContext(context)?.user ?? cognitoUser;
    if (isPolicyClass(policy)) {
      const handler = this.handlerOf(policy, context);
      return handler instanceof Promise
        ? handler.then((resolved) => resolved.handle(user, context))
        : handler.handle(user, context);
    }
    return typeof policy === 'function' ? policy(user, context) : policy.handle(user, context);
  }

  /** Only `true` allows: a policy that forgets to return refuses instead of letting everyone in. */
  private require(policy: CognitoPolicy, verdict: unknown): void {
    if (verdict !== true) throw new PolicyRefusedError(policyName(policy));
  }

  private timedOut(policy: CognitoPolicy): CallbackUnavailableError {
    const name = policyName(policy);
    logOnce(
      this.logger,
      `policy:${name}:timeout`,
      `Policy ${name} did not answer within ${this.timeoutMs} ms; answering 503`,
    );
    return new CallbackUnavailableError('policy');
  }

  private refusal(policy: CognitoPolicy, error: unknown): Error {
    if (error instanceof HttpException || error instanceof CognitoAuthError) return error;
    const name = policyName(policy);
    if (!this.reported.has(policy)) {
      this.reported.add(policy);
      this.logger.error(`Policy ${name} threw ${describe(error)}; answering 403`, framesOf(error));
    }
    return new PolicyRefusedError(name);
  }

  /**
   * The policy class's instance: the app's provider when the class is one (per request when it
   * is request-scoped), otherwise one instance created in the module of the route's controller,
   * resolver or gateway, so its dependencies come from where the route is declared.
   */
  private handlerOf(
    policyClass: Type<CognitoPolicyHandler>,
    context: ExecutionContext,
  ): CognitoPolicyHandler | Promise<CognitoPolicyHandler> {
    const moduleRef = this.hostModuleOf(context.getClass());
    if (!moduleRef) {
      throw new Error(`${policyClass.name} is a policy class: the guard must be created by Nest to resolve it`);
    }
    let byClass = this.sources.get(moduleRef);
    if (!byClass) this.sources.set(moduleRef, (byClass = new Map()));
    let source = byClass.get(policyClass);
    if (!source) byClass.set(policyClass, (source = locate(policyClass, moduleRef)));
    if (source.kind === 'per-request') {
      const request = getRequestFromContext(context) ?? {};
      const contextId = ContextIdFactory.getByRequest(request);
      // Routes without request-scoped dependencies of their own have no REQUEST provider yet.
      moduleRef.registerRequestByContextId(request, contextId);
      return moduleRef.resolve(policyClass, contextId, { strict: false });
    }
    return source.instance ?? (source as { pending: Promise<CognitoPolicyHandler> }).pending;
  }

  private hostModuleOf(routeClass: object): ModuleRef | undefined {
    let host = this.hostModules.get(routeClass);
    if (host) return host;
    host = this.findHostModule(routeClass) ?? this.injector.moduleRef;
    if (host) this.hostModules.set(routeClass, host);
    return host;
  }

  private findHostModule(routeClass: object): ModuleRef | undefined {
    for (const module of this.injector.modules?.values() ?? []) {
      const key = routeClass as Type;
      if (module.controllers.has(key) || module.providers.has(key)) {
        return module.providers.get(ModuleRef)?.instance as ModuleRef | undefined;
      }
    }
    return undefined;
  }
}

function locate(policyClass: Type<CognitoPolicyHandler>, moduleRef: ModuleRef): HandlerSource {
  let scope: Scope | undefined;
  try {
    scope = moduleRef.introspect(policyClass).scope;
  } catch {
    scope = undefined; // not a provider anywhere in the app
  }
  if (scope === Scope.DEFAULT) return { kind: 'instance', instance: moduleRef.get(policyClass, { strict: false }) };
  if (scope !== undefined) return { kind: 'per-request' };
  const source: { kind: 'created'; instance?: CognitoPolicyHandler; pending: Promise<CognitoPolicyHandler> } = {
    kind: 'created',
    pending: moduleRef.create(policyClass).then((instance) => (source.instance = instance)),
  };
  // A creation that fails (a missing dependency) fails the same way on every request: keep it.
  source.pending.catch(() => undefined);
  return source;
}

function acceptedTokenUses(pools: Iterable<{ readonly tokenUse: string }>): ReadonlySet<CognitoRouteTokenUse> {
  const uses = new Set<CognitoRouteTokenUse>();
  for (const { tokenUse } of pools) {
    if (tokenUse === 'access' || tokenUse === 'any') uses.add('access');
    if (tokenUse === 'id' || tokenUse === 'any') uses.add('id');
  }
  return uses;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

// The message is left out of the log: policies often build it from claim values.
function describe(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function framesOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}
