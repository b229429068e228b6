import { type ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { ContextAdapter } from '../contexts/context-adapter.interface.js';
import { CognitoAuthError, InvalidTokenError, MissingTokenError } from '../errors/cognito-auth.errors.js';
import { type FailureAnswer, isExpectedFailure, toAnswer } from '../errors/failure-answer.js';
import { logOnce } from '../errors/log-once.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoTransport } from '../events/cognito-channels.js';
import { CognitoEvents } from '../events/cognito-events.js';
import { CognitoPrincipals } from '../identity/cognito-principals.js';
import { type CheckObservation, TokenChecker } from '../verification/token-checker.js';

const logger = new Logger('CognitoAuth');

/** An admitted token's verified Cognito user and the app's own user made from it (`transformUser`). */
export interface Admitted {
  readonly user: CognitoUser;
  /** The user itself without a transformer. */
  readonly principal: object;
}

/** What an admitted request gets, or a promise of it when something had to be waited for. */
export type Verdict = Admitted | Promise<Admitted>;

/** The token and verdict of an operation the guard runs for more than once (GraphQL fields). */
interface OperationVerdict {
  readonly token: string;
  readonly verdict: Promise<Admitted>;
}

/**
 * Request → user, in one place, for every context: the guard, the socket.io handshake, the
 * Passport strategy and your own code go through it. It finds the token (the `tokenExtractor`
 * option, or the context adapter's built-in sources), has it checked once per operation, and
 * turns any failure into the answer of the context. Where the user goes and how a refusal is
 * rendered belong to the context adapters.
 */
@Injectable()
export class CognitoAuthenticator {
  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly checker: TokenChecker,
    private readonly principals: CognitoPrincipals,
    private readonly events: CognitoEvents,
  ) {}

  /** The verdict of each operation the guard runs for more than once (see `verify`). */
  private readonly operations = new WeakMap<object, OperationVerdict>();

  /**
   * The app's principal for a verified user (the user itself without `transformUser`): kept per
   * token, so a promise only on a token's first request. Throws (rejects) the transformer's refusal.
   */
  principalOf(user: CognitoUser): object | Promise<object> {
    return this.principals.principalOf(user, this.checker);
  }

  /**
   * The token of a request: the `tokenExtractor` option's answer when there is one, else the
   * adapter's built-in sources. null when there is none.
   */
  findToken(request: unknown, adapter: ContextAdapter, context?: ExecutionContext): string | null {
    const extractor = this.config.tokenExtractor;
    if (!extractor) return adapter.findToken(request, this.config.tokenCookie, context);
    let found: unknown;
    try {
      found = extractor(request, context);
    } catch (error) {
      throw this.extractorFailure(error);
    }
    return typeof found === 'string' && found !== '' ? found : null;
  }

  /**
   * Request → principal for callers without hooks (the handshake, the Passport strategy): finds
   * the token, verifies it, makes the principal, places both users with the adapter, then calls
   * `admit(principal)`, or `refuse(error)` for any failure. Synchronous when nothing is waited for.
   */
  signIn(
    request: unknown,
    adapter: ContextAdapter,
    admit: (principal: object) => void,
    refuse: (error: unknown) => void,
  ): void {
    const place = ({ user, principal }: Admitted) => {
      adapter.placeUser(request, principal, user);
      admit(principal);
    };
    try {
      const verdict = this.authenticate(request, adapter);
      if (verdict instanceof Promise) verdict.then(place, refuse);
      else place(verdict);
    } catch (error) {
      refuse(error);
    }
  }

  /** Finds the token of a request, verifies it and makes the principal: the whole pipeline, for callers without hooks. */
  authenticate(request: unknown, adapter: ContextAdapter, context?: ExecutionContext): Verdict {
    let token: string | null;
    try {
      token = this.findToken(request, adapter, context);
    } catch (error) {
      this.publishFailure(error, adapter.transport, false, 0);
      throw error;
    }
    return this.verify(token, adapter.transport, undefined);
  }

  /**
   * The verdict on a token (null: none was sent): its checks, then the principal, as one attempt
   * (one `authenticate` event, whose result is the transformer's too). `operation` identifies an
   * operation the guard runs for more than once (a GraphQL request, once per field): its token
   * is checked once.
   */
  verify(token: string | null, transport: CognitoTransport, operation: object | undefined): Verdict {
    if (operation !== undefined && token !== null) return this.verifyOnce(token, transport, operation);
    if (!this.events.authenticate.observed) return this.attempt(token, undefined);
    return this.observed(transport, (observation) => this.attempt(token, observation), userOfAdmitted);
  }

  /** The checks alone, without the principal (`CognitoTokenVerifier.verify`), as one attempt. */
  check(token: string, transport: CognitoTransport): CognitoUser | Promise<CognitoUser> {
    if (!this.events.authenticate.observed) return this.checker.check(token);
    return this.observed(transport, (observation) => this.checker.check(token, observation), itself);
  }

  /** The answer to a failure, and one log line per kind for failures the module did not expect. */
  answer(error: unknown): FailureAnswer {
    if (!isExpectedFailure(error)) {
      logOnce(
        logger,
        `unexpected:${(error as Error)?.name}`,
        `Unexpected ${(error as Error)?.name ?? 'error'} while authenticating; answering 401`,
      );
    }
    return toAnswer(error);
  }

  private verifyOnce(token: string, transport: CognitoTransport, operation: object): Promise<Admitted> {
    const remembered = this.operations.get(operation);
    if (remembered?.token === token) return remembered.verdict;
    let verdict: Promise<Admitted>;
    try {
      verdict = Promise.resolve(this.verify(token, transport, undefined));
    } catch (error) {
      verdict = Promise.reject(error);
    }
    this.operations.set(operation, { token, verdict });
    return verdict;
  }

  /** The token's checks, then its principal. */
  private attempt(token: string | null, observation: CheckObservation | undefined): Verdict {
    if (token === null) throw new MissingTokenError();
    const user = this.checker.check(token, observation);
    return user instanceof Promise ? user.then((checked) => this.admitted(checked)) : this.admitted(user);
  }

  private admitted(user: CognitoUser): Verdict {
    const principal = this.principalOf(user);
    if (principal instanceof Promise) return principal.then((made) => ({ user, principal: made }));
    return { user, principal };
  }

  /** `attempt`'s outcome published on the authenticate channel, with its duration and whether the cache had the token. */
  private observed<T>(
    transport: CognitoTransport,
    attempt: (observation: CheckObservation) => T | Promise<T>,
    userOf: (outcome: T) => CognitoUser,
  ): T | Promise<T> {
    const startedAt = performance.now();
    const observation: CheckObservation = { cacheHit: false };
    let verdict: T | Promise<T>;
    try {
      verdict = attempt(observation);
    } catch (error) {
      this.publishFailure(error, transport, observation.cacheHit, startedAt);
      throw error;
    }
    if (!(verdict instanceof Promise)) {
      this.publishSuccess(userOf(verdict), transport, observation.cacheHit, startedAt);
      return verdict;
    }
    return verdict.then(
      (settled) => {
        this.publishSuccess(userOf(settled), transport, observation.cacheHit, startedAt);
        return settled;
      },
      (error: unknown) => {
        this.publishFailure(error, transport, observation.cacheHit, startedAt);
        throw error;
      },
    );
  }

  private publishSuccess(user: CognitoUser, transport: CognitoTransport, cacheHit: boolean, startedAt: number): void {
    this.events.authenticate.publish({
      result: 'success',
      status: 200,
      cacheHit,
      transport,
      userPoolId: user.userPoolId,
      tokenUse: user.tokenUse,
      durationMs: performance.now() - startedAt,
    });
  }

  private publishFailure(error: unknown, transport: CognitoTransport, cacheHit: boolean, startedAt: number): void {
    if (!this.events.authenticate.observed) return;
    const answer = toAnswer(error);
    this.events.authenticate.publish({
      result: error instanceof MissingTokenError ? 'none' : 'failure',
      reason: error instanceof InvalidTokenError ? error.reason : answer.code,
      status: answer.status,
      cacheHit,
      transport,
      durationMs: startedAt === 0 ? 0 : performance.now() - startedAt,
    });
  }

  /** A custom extractor that throws: its own refusal is kept, anything else is logged once and refused. */
  private extractorFailure(error: unknown): unknown {
    if (error instanceof CognitoAuthError || error instanceof HttpException) return error;
    logOnce(logger, 'tokenExtractor', `tokenExtractor threw ${(error as Error)?.name ?? 'an error'}; answering 401`);
    return new InvalidTokenError('malformed', 'The token could not be read');
  }
}

const userOfAdmitted = (admitted: Admitted): CognitoUser => admitted.user;
const itself = (user: CognitoUser): CognitoUser => user;
