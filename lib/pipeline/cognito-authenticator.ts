import { type ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import type { ContextAdapter } from '../contexts/context-adapter.interface.js';
import { CognitoAuthError, InvalidTokenError, MissingTokenError } from '../errors/cognito-auth.errors.js';
import { type FailureAnswer, isExpectedFailure, toAnswer } from '../errors/failure-answer.js';
import { logOnce } from '../errors/log-once.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { authenticateChannel, type CognitoTransport } from '../events/cognito-channels.js';
import { CognitoPrincipals } from '../identity/cognito-principals.js';
import { type CheckObservation, TokenChecker } from '../verification/token-checker.js';

const logger = new Logger('CognitoAuth');

/** The user of an admitted request, or a promise of it when something had to be waited for. */
export type Verdict = CognitoUser | Promise<CognitoUser>;

/** The token and verdict of an operation the guard runs for more than once (GraphQL fields). */
interface OperationVerdict {
  readonly token: string;
  readonly verdict: Promise<CognitoUser>;
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
  private readonly operations = new WeakMap<object, OperationVerdict>();

  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly checker: TokenChecker,
    private readonly principals: CognitoPrincipals,
  ) {}

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
    const place = (user: CognitoUser, principal: object) => {
      adapter.placeUser(request, principal, user);
      admit(principal);
    };
    const withPrincipal = (user: CognitoUser) => {
      const principal = this.principalOf(user);
      if (principal instanceof Promise) principal.then((made) => place(user, made), refuse);
      else place(user, principal);
    };
    try {
      const verdict = this.authenticate(request, adapter);
      if (verdict instanceof Promise) verdict.then(withPrincipal, refuse);
      else withPrincipal(verdict);
    } catch (error) {
      refuse(error);
    }
  }

  /** Finds the token of a request and verifies it: the whole pipeline, for callers without hooks. */
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
   * The verdict on a token (null: none was sent). `operation` identifies an operation the guard
   * runs for more than once (a GraphQL request, once per field): its token is checked once.
   */
  verify(token: string | null, transport: CognitoTransport, operation: object | undefined): Verdict {
    if (operation !== undefined && token !== null) return this.verifyOnce(token, transport, operation);
    if (!authenticateChannel.hasSubscribers) {
      if (token === null) throw new MissingTokenError();
      return this.checker.check(token);
    }
    return this.verifyObserved(token, transport);
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

  private verifyOnce(token: string, transport: CognitoTransport, operation: object): Promise<CognitoUser> {
    const remembered = this.operations.get(operation);
    if (remembered?.token === token) return remembered.verdict;
    let verdict: Promise<CognitoUser>;
    try {
      verdict = Promise.resolve(this.verify(token, transport, undefined));
    } catch (error) {
      verdict = Promise.reject(error);
    }
    this.operations.set(operation, { token, verdict });
    return verdict;
  }

  private verifyObserved(token: string | null, transport: CognitoTransport): Verdict {
    const startedAt = performance.now();
    const observation: CheckObservation = { cacheHit: false };
    let verdict: Verdict;
    try {
      if (token === null) throw new MissingTokenError();
      verdict = this.checker.check(token, observation);
    } catch (error) {
      this.publishFailure(error, transport, observation.cacheHit, startedAt);
      throw error;
    }
    if (!(verdict instanceof Promise)) {
      this.publishSuccess(verdict, transport, observation.cacheHit, startedAt);
      return verdict;
    }
    return verdict.then(
      (user) => {
        this.publishSuccess(user, transport, observation.cacheHit, startedAt);
        return user;
      },
      (error: unknown) => {
        this.publishFailure(error, transport, observation.cacheHit, startedAt);
        throw error;
      },
    );
  }

  private publishSuccess(user: CognitoUser, transport: CognitoTransport, cacheHit: boolean, startedAt: number): void {
    authenticateChannel.publish({
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
    if (!authenticateChannel.hasSubscribers) return;
    const answer = toAnswer(error);
    authenticateChannel.publish({
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
