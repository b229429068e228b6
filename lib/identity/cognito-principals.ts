import { HttpException, Inject, Injectable, Logger, type OnModuleInit, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LRUCache } from 'lru-cache';
import { COGNITO_AUTH_CONFIG, DEFAULTS } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CallbackUnavailableError, CognitoAuthConfigError, InvalidTokenError } from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { withTimeout } from '../errors/with-timeout.js';
import type { CognitoJwtHeader } from '../interfaces/cognito-jwt.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type {
  CognitoUserTransformFunction,
  CognitoUserTransformer,
} from '../interfaces/cognito-user-transformer.interface.js';
import { type CognitoTransformEvent, transformChannel } from '../events/cognito-channels.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';
import { freezeGraph, UnfreezableObjectError } from './freeze-graph.js';

/** One token's principal: being made (`pending`), or made and kept until `expiresAtMs`. */
interface PrincipalEntry {
  readonly identity: string;
  readonly sub: string;
  readonly sessions: readonly string[];
  principal?: object;
  pending?: Promise<object>;
  expiresAtMs: number;
  forgotten: boolean;
}

/**
 * The app's own user (the principal), made from a verified Cognito user by the `transformUser`
 * option, once per token: concurrent requests with one token share one call, and the principal
 * is reused until `transformUserMaxAgeMs` or the token's `exp`, whichever comes first. It is
 * asked only for tokens that passed every check, on every request (so a principal is never
 * served for a token that has since expired, been revoked or lost its key). Without a
 * transformer the principal is the Cognito user itself.
 */
@Injectable()
export class CognitoPrincipals implements OnModuleInit {
  private readonly logger = new Logger('CognitoAuth');
  private transform?: CognitoUserTransformFunction;
  /** The entry of each user object: a cached token hands out the same user object on every hit. */
  private readonly byUser = new WeakMap<CognitoUser, PrincipalEntry>();
  /** The entry of each token, by what identifies it, for user objects seen for the first time. */
  private readonly byIdentity: LRUCache<string, PrincipalEntry>;
  private readonly bySub = new Map<string, Set<PrincipalEntry>>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly moduleRef: ModuleRef,
    revocations: CognitoRevocationService,
  ) {
    // A revoked token is refused before its principal is asked for: keeping it would only hold memory.
    revocations.onRevoked((sub, sessionOrTokenId) => this.forgetSession(sub, sessionOrTokenId));
    this.byIdentity = new LRUCache<string, PrincipalEntry>({
      max: Math.max(1, config.tokenCacheMaxEntries || DEFAULTS.tokenCacheMaxEntries),
      dispose: (entry) => this.unindex(entry),
    });
  }

  /** A transformer class is resolved from the app's injector, in whatever module provides it. */
  onModuleInit(): void {
    const option = this.config.transformUser;
    if (option === undefined) return;
    if (!isTransformerClass(option)) {
      this.transform = option as CognitoUserTransformFunction;
      return;
    }
    let transformer: CognitoUserTransformer;
    try {
      transformer = this.moduleRef.get(option, { strict: false });
    } catch (error) {
      throw new CognitoAuthConfigError(
        `transformUser: ${option.name} cannot be resolved as a singleton provider (${(error as Error).message}); provide it in a module of the app, not request-scoped`,
      );
    }
    if (typeof transformer?.transform !== 'function') {
      throw new CognitoAuthConfigError(
        `transformUser: ${option.name} has no transform(user, context) method; give it one, or pass a function`,
      );
    }
    this.transform = (user, context) => transformer.transform(user, context);
  }

  /** Whether the app turns Cognito users into principals of its own. */
  get transforms(): boolean {
    return this.transform !== undefined;
  }

  /**
   * The principal of a verified user: kept, or being made by another request with the same
   * token, or made now. Throws (rejects) the refusal when the transformer refuses or fails.
   */
  principalOf(user: CognitoUser, headers: { headerOf(user: CognitoUser): CognitoJwtHeader }): object | Promise<object> {
    const transform = this.transform;
    if (!transform) return user;
    const kept = this.byUser.get(user);
    if (kept?.principal !== undefined && !kept.forgotten && Date.now() < kept.expiresAtMs) return kept.principal;
    return this.principalOfNew(user, headers.headerOf(user), transform);
  }

  /** Drops the principals of every token of `sub` in this process: the next request makes a new one. */
  forgetUser(sub: string): void {
    for (const entry of this.bySub.get(sub) ?? []) this.forget(entry);
  }

  /** Drops the principals of the tokens of a revoked session (`origin_jti`) or token (`jti`). */
  forgetSession(sub: string, sessionOrTokenId: string): void {
    for (const entry of this.bySub.get(sub) ?? []) {
      if (entry.sessions.includes(sessionOrTokenId)) this.forget(entry);
    }
  }

  private principalOfNew(
    user: CognitoUser,
    header: CognitoJwtHeader,
    transform: CognitoUserTransformFunction,
  ): object | Promise<object> {
    const identity = identityOf(user);
    let entry = this.byIdentity.get(identity);
    if (entry && (entry.forgotten || (entry.principal !== undefined && Date.now() >= entry.expiresAtMs))) {
      this.byIdentity.delete(identity);
      entry = undefined;
    }
    if (!entry) {
      entry = this.newEntry(identity, user);
      entry.pending = this.make(entry, user, header, transform);
    }
    this.byUser.set(user, entry);
    return entry.principal ?? entry.pending!;
  }

  private newEntry(identity: string, user: CognitoUser): PrincipalEntry {
    const claims = user.claims;
    const sessions = [claims.origin_jti, claims.jti].filter((id): id is string => typeof id === 'string');
    const entry: PrincipalEntry = { identity, sub: user.sub, sessions, expiresAtMs: 0, forgotten: false };
    this.byIdentity.set(identity, entry);
    let entries = this.bySub.get(user.sub);
    if (!entries) this.bySub.set(user.sub, (entries = new Set()));
    entries.add(entry);
    return entry;
  }

  private async make(
    entry: PrincipalEntry,
    user: CognitoUser,
    header: CognitoJwtHeader,
    transform: CognitoUserTransformFunction,
  ): Promise<object> {
    const startedAt = performance.now();
    let result: CognitoTransformEvent['result'] = 'error';
    try {
      const principal = await this.callWithin(transform, user, header);
      if (principal === null || principal === undefined) {
        result = 'not_found';
        throw new InvalidTokenError('user_not_found', 'The user is not known to this application');
      }
      if (typeof principal !== 'object') throw new TypeError(`transformUser returned a ${typeof principal}`);
      const frozen = freezeGraph(principal);
      this.keep(entry, user, frozen);
      result = 'success';
      return frozen;
    } catch (error) {
      this.drop(entry);
      if (result === 'error') result = outcomeOf(error);
      throw this.toRefusal(error);
    } finally {
      if (transformChannel.hasSubscribers) {
        transformChannel.publish({ result, durationMs: performance.now() - startedAt } satisfies CognitoTransformEvent);
      }
    }
  }

  /** The transformer's answer, or a timeout that aborts its signal; a late answer is dropped. */
  private callWithin(transform: CognitoUserTransformFunction, user: CognitoUser, header: CognitoJwtHeader) {
    const controller = new AbortController();
    const timeoutMs = this.config.transformUserTimeoutMs;
    const answer = Promise.resolve().then(() =>
      transform(user, { header, payload: user.claims, signal: controller.signal }),
    );
    return withTimeout(answer, timeoutMs, () => {
      controller.abort(new Error(`transformUser did not answer within ${timeoutMs} ms`));
      return new CallbackUnavailableError('transformUser');
    });
  }

  private keep(entry: PrincipalEntry, user: CognitoUser, principal: object): void {
    entry.pending = undefined;
    const maxAgeMs = this.config.transformUserMaxAgeMs;
    if (maxAgeMs === 0 || entry.forgotten) return this.drop(entry);
    entry.principal = principal;
    entry.expiresAtMs = Math.min(Date.now() + maxAgeMs, user.claims.exp * 1000);
  }

  private forget(entry: PrincipalEntry): void {
    entry.forgotten = true;
    this.drop(entry);
  }

  private drop(entry: PrincipalEntry): void {
    if (this.byIdentity.peek(entry.identity) === entry) this.byIdentity.delete(entry.identity);
    else this.unindex(entry);
  }

  private unindex(entry: PrincipalEntry): void {
    const entries = this.bySub.get(entry.sub);
    entries?.delete(entry);
    if (entries?.size === 0) this.bySub.delete(entry.sub);
  }

  /** Refusals the transformer chose are kept; anything else is the app's failure: 503, logged once. */
  private toRefusal(error: unknown): unknown {
    if (error instanceof InvalidTokenError || error instanceof HttpException) return error;
    if (error instanceof CallbackUnavailableError) {
      logOnce(
        this.logger,
        'transformUser:timeout',
        `transformUser did not answer within ${this.config.transformUserTimeoutMs} ms; answering 503`,
      );
      return error;
    }
    const kind = error instanceof UnfreezableObjectError ? 'unfreezable' : 'error';
    logOnce(this.logger, `transformUser:${kind}`, `transformUser ${failureOf(error)}; answering 503`);
    return new CallbackUnavailableError('transformUser', 'The user could not be loaded');
  }
}

/** The log line's account of a failure: no token, key or claim is in it. */
function failureOf(error: unknown): string {
  if (error instanceof UnfreezableObjectError) return `returned a principal that cannot be frozen: ${error.message}`;
  return `failed with ${(error as Error)?.name ?? typeof error}`;
}

/** How a transformer's call ended that gave no principal: its own refusal, a timeout, or a failure. */
function outcomeOf(error: unknown): CognitoTransformEvent['result'] {
  if (error instanceof CallbackUnavailableError) return 'timeout';
  return error instanceof InvalidTokenError || error instanceof HttpException ? 'refused' : 'error';
}

/** The metadata key `@Injectable()` sets to true (`INJECTABLE_WATERMARK` in @nestjs/common's constants). */
const INJECTABLE_WATERMARK = '__injectable__';

/**
 * A class (resolved from the injector, its instances have `transform`), as opposed to a function:
 * one with `transform` on its prototype, one marked `@Injectable()`, or one written as a class
 * (whose `transform` may be an arrow-function property, which only instances have).
 */
function isTransformerClass(value: unknown): value is Type<CognitoUserTransformer> {
  if (typeof value !== 'function') return false;
  return (
    typeof (value as { prototype?: { transform?: unknown } }).prototype?.transform === 'function' ||
    Reflect.getMetadata(INJECTABLE_WATERMARK, value) === true ||
    /^class\b/.test(Function.prototype.toString.call(value))
  );
}

/** What tells one token from another among verified ones: its issuer, kind, subject, id and times. */
function identityOf(user: CognitoUser): string {
  const claims = user.claims;
  return `${user.issuer}\n${user.tokenUse}\n${user.sub}\n${String(claims.jti ?? claims.event_id ?? '')}\n${String(claims.iat ?? '')}\n${claims.exp}\n${user.clientId}`;
}
