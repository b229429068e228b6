import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig, ResolvedUserPool, UserPoolResolverConfig } from '../cognito-auth.config.js';
import { CallbackUnavailableError, InvalidTokenError } from '../errors/cognito-auth.errors.js';
import { logOnce } from '../errors/log-once.js';
import { withTimeout } from '../errors/with-timeout.js';
import type { CognitoUserPoolOptions } from '../interfaces/cognito-auth-options.interface.js';
import { CognitoJwksService } from '../jwks/cognito-jwks.service.js';
import { IssuerFilter } from './cognito-issuer.js';
import { UserPoolCache } from './user-pool-cache.js';

/**
 * Finds the pool of a token's issuer: in the configured list, or by asking the app's resolver
 * (`userPools: (issuer) => pool | null`). The resolver is asked only for issuers of Cognito's
 * forms (or the app's `issuerPattern`), once per issuer however many tokens arrive together,
 * and its answers are kept for `userPoolCacheTtlMs`. A pool is accepted only when its issuer is
 * exactly the token's, and its keys come from the pool's own key-set URL, never from the token.
 */
@Injectable()
export class UserPoolDirectory implements OnModuleDestroy {
  private readonly logger = new Logger('CognitoAuth');
  private readonly resolver?: UserPoolResolverConfig;
  private readonly issuers: IssuerFilter;
  private readonly answers: UserPoolCache;
  /** Resolver calls under way, by issuer: concurrent tokens of one issuer share one call. */
  private readonly inFlight = new Map<string, Promise<ResolvedUserPool | null>>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly jwks: CognitoJwksService,
  ) {
    const resolver = config.userPoolResolver;
    this.resolver = resolver;
    this.issuers = new IssuerFilter(resolver?.issuerPattern);
    this.answers = new UserPoolCache({
      ttlMs: resolver?.cacheTtlMs ?? 0,
      maxEntries: resolver?.cacheMaxEntries ?? 0,
      onRelease: (pool) => this.jwks.releasePool(pool),
    });
  }

  /**
   * The pool of `issuer`, synchronously when it is configured or its answer is cached; else a
   * promise of it. Throws (or rejects with) `unknown_issuer` when there is none, and a 503
   * error when the resolver failed or did not answer in time.
   */
  poolOf(issuer: string): ResolvedUserPool | Promise<ResolvedUserPool> {
    if (this.resolver === undefined) return this.configuredPool(issuer);
    const cached = this.answers.get(issuer, Date.now());
    if (cached === null) throw unknownIssuer();
    if (cached !== undefined) return cached;
    if (!this.issuers.accepts(issuer)) throw unknownIssuer();
    return this.ask(issuer).then((pool) => {
      if (pool === null) throw unknownIssuer();
      return pool;
    });
  }

  /** Whether a verified token of `issuer` may still be reused: its pool's answer has not expired. */
  isLive(issuer: string, nowMs = Date.now()): boolean {
    return this.resolver === undefined || this.answers.isLive(issuer, nowMs);
  }

  /** How many answers are kept (pools, and issuers with none). */
  get cacheSize(): { readonly pools: number; readonly unknown: number } {
    return this.answers.size;
  }

  onModuleDestroy(): void {
    this.answers.clear();
  }

  private configuredPool(issuer: string): ResolvedUserPool {
    const pool = this.config.poolsByIssuer.get(issuer);
    if (pool === undefined) throw unknownIssuer();
    return pool;
  }

  private ask(issuer: string): Promise<ResolvedUserPool | null> {
    const pending = this.inFlight.get(issuer);
    if (pending) return pending;
    const { resolve, resolveTimeoutMs } = this.resolver!;
    const answer = withTimeout(
      Promise.resolve().then(() => resolve(issuer)),
      resolveTimeoutMs,
      () => this.timedOut(),
    )
      .then(
        (found) => this.keep(issuer, found),
        (error: unknown) => {
          throw this.failed(error);
        },
      )
      .finally(() => this.inFlight.delete(issuer));
    this.inFlight.set(issuer, answer);
    return answer;
  }

  /** Validates and keeps the resolver's answer; a pool of another issuer counts as none. */
  private keep(issuer: string, found: CognitoUserPoolOptions | null | undefined): ResolvedUserPool | null {
    const now = Date.now();
    const pool = found == null ? null : this.validate(found);
    if (pool === null || pool.issuer !== issuer) {
      this.answers.setNone(issuer, now);
      return null;
    }
    const previous = this.answers.previous(issuer);
    const kept = previous !== undefined && samePool(previous, pool) ? previous : pool;
    if (kept !== previous) {
      if (previous !== undefined) this.jwks.releasePool(previous);
      this.jwks.addPool(kept);
    }
    this.answers.setPool(kept, now);
    return kept;
  }

  private validate(found: CognitoUserPoolOptions): ResolvedUserPool {
    try {
      return this.resolver!.validate(found);
    } catch (error) {
      logOnce(
        this.logger,
        'userPools:invalid',
        `The userPools resolver returned an invalid pool (${(error as Error).message}); answering 503`,
      );
      throw resolverFailed();
    }
  }

  private timedOut(): CallbackUnavailableError {
    logOnce(
      this.logger,
      'userPools:timeout',
      `The userPools resolver did not answer within ${this.resolver!.resolveTimeoutMs} ms; answering 503`,
    );
    return new CallbackUnavailableError('userPools resolver');
  }

  private failed(error: unknown): CallbackUnavailableError {
    if (error instanceof CallbackUnavailableError) return error;
    logOnce(
      this.logger,
      'userPools:error',
      'The userPools resolver threw; answering 503',
      (error as Error)?.stack ?? String(error),
    );
    return resolverFailed();
  }
}

function resolverFailed(): CallbackUnavailableError {
  return new CallbackUnavailableError('userPools resolver', 'The userPools resolver failed');
}

function unknownIssuer(): InvalidTokenError {
  return new InvalidTokenError('unknown_issuer', 'The token issuer is not accepted');
}

/** Whether two answers for one issuer accept the same tokens with the same keys: then the key set is kept. */
function samePool(a: ResolvedUserPool, b: ResolvedUserPool): boolean {
  return (
    a.userPoolId === b.userPoolId &&
    a.region === b.region &&
    a.jwksUri === b.jwksUri &&
    a.tokenUse === b.tokenUse &&
    sameSet(a.clientIds, b.clientIds) &&
    sameSet(a.resourceAudiences, b.resourceAudiences) &&
    JSON.stringify(a.jwks) === JSON.stringify(b.jwks)
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((value) => b.has(value));
}
