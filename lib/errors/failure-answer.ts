import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import {
  CallbackUnavailableError,
  ClaimRequirementError,
  CognitoAuthError,
  GroupNotAllowedError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeySetUnavailableError,
  MissingTokenError,
  PolicyRefusedError,
  RevocationUnavailableError,
  UserPoolNotAllowedError,
} from './cognito-auth.errors.js';

/**
 * How a refusal is answered, whatever the transport: the HTTP status, the RFC 6750 error code,
 * a message safe to show the client, and the headers to send
 * (https://www.rfc-editor.org/rfc/rfc6750#section-3).
 */
export interface FailureAnswer {
  readonly status: number;
  /** `invalid_token`, `invalid_request`, `insufficient_scope`, `forbidden`, `unauthorized` or `unavailable`. */
  readonly code: string;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Seconds to wait before retrying, when the key set is unavailable. */
  readonly retryAfterSeconds?: number;
}

const GROUP_MESSAGES = {
  any: 'The user is not in a group allowed here',
  all: 'The user is not in all the groups required here',
  none: 'The user is in a group not allowed here',
} as const;

/** Anything that is not one of the module's own errors gets this answer; it never repeats what was thrown. */
const UNKNOWN_FAILURE = new InvalidTokenError('malformed', 'The token could not be verified');

/** The one mapping from a failure to its answer. */
export function toFailureAnswer(error: unknown): FailureAnswer {
  const failure = error instanceof CognitoAuthError ? error : UNKNOWN_FAILURE;
  if (failure instanceof MissingTokenError) {
    return answer(401, 'unauthorized', 'A bearer token is required', { 'WWW-Authenticate': 'Bearer' });
  }
  if (failure instanceof InvalidTokenError) {
    const challenge = bearerChallenge({ error: 'invalid_token', error_description: failure.description });
    return answer(401, 'invalid_token', failure.description, { 'WWW-Authenticate': challenge });
  }
  if (failure instanceof InvalidRequestError) {
    const challenge = bearerChallenge({ error: 'invalid_request', error_description: failure.description });
    return answer(400, 'invalid_request', failure.description, { 'WWW-Authenticate': challenge });
  }
  if (
    failure instanceof KeySetUnavailableError ||
    failure instanceof RevocationUnavailableError ||
    failure instanceof CallbackUnavailableError
  ) {
    const retryAfterSeconds = failure.retryAfterSeconds;
    return {
      ...answer(503, 'unavailable', 'Token verification is temporarily unavailable', {
        'Retry-After': String(retryAfterSeconds),
      }),
      retryAfterSeconds,
    };
  }
  if (failure instanceof InsufficientScopeError) {
    const scope = failure.requiredScopes.join(' ');
    return answer(403, 'insufficient_scope', `This route requires the scopes: ${scope}`, {
      'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope }),
    });
  }
  if (failure instanceof GroupNotAllowedError) {
    return answer(403, 'forbidden', GROUP_MESSAGES[failure.match] ?? GROUP_MESSAGES.any, {});
  }
  if (failure instanceof ClaimRequirementError) {
    return answer(403, 'forbidden', `The token's ${failure.claim} claim is missing or not accepted here`, {});
  }
  if (failure instanceof UserPoolNotAllowedError) {
    return answer(403, 'forbidden', 'Tokens of this user pool are not accepted here', {});
  }
  if (failure instanceof PolicyRefusedError) {
    // The policy's name stays out: it describes the app's code, not the client's request.
    return answer(403, 'forbidden', 'A policy of this route refused the request', {});
  }
  return toFailureAnswer(UNKNOWN_FAILURE);
}

/**
 * The answer to anything a verification, a custom check or a policy threw, for transports that
 * cannot render an `HttpException` themselves (gateways, handshakes): an `HttpException` keeps
 * its status and message, anything else is mapped by `toFailureAnswer`.
 */
export function toAnswer(error: unknown): FailureAnswer {
  return error instanceof HttpException ? toHttpExceptionAnswer(error) : toFailureAnswer(error);
}

/** Whether a failure is one the module expects (its own errors, or an `HttpException` a hook threw); others are logged. */
export function isExpectedFailure(error: unknown): boolean {
  return error instanceof CognitoAuthError || error instanceof HttpException;
}

/** The answer for an `HttpException`: its status and message, and the code of that status. */
function toHttpExceptionAnswer(error: HttpException): FailureAnswer {
  const status = error.getStatus();
  return answer(status, HTTP_EXCEPTION_CODES[status] ?? 'refused', error.message, {});
}

const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'forbidden',
  503: 'unavailable',
};

/** The exception Nest renders for an answer over HTTP (its body is Nest's usual error body). */
export function httpExceptionOf(failure: FailureAnswer): HttpException {
  return new HttpException(httpErrorBody(failure), failure.status);
}

/** Nest's usual error body for an answer: `{ statusCode, message, error }`. */
export function httpErrorBody(failure: FailureAnswer): { statusCode: number; message: string; error?: string } {
  return { statusCode: failure.status, message: failure.message, error: STATUS_CODES[failure.status] };
}

function answer(status: number, code: string, message: string, headers: Record<string, string>): FailureAnswer {
  return { status, code, message, headers };
}

/** `Bearer k="v", …` with each value reduced to the characters RFC 6750 allows in quotes. */
export function bearerChallenge(params: Record<string, string>): string {
  const pairs = Object.entries(params).map(([key, value]) => `${key}="${toQuotable(value)}"`);
  return pairs.length === 0 ? 'Bearer' : `Bearer ${pairs.join(', ')}`;
}

function toQuotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}
