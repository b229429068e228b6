import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import {
  CognitoAuthError,
  GroupNotAllowedError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeySetUnavailableError,
  MissingTokenError,
} from '../errors/cognito-auth.errors.js';

/** The answer to a failure: the exception Nest renders and the headers to set first (SPEC §3). */
export interface AuthFailureResponse {
  exception: HttpException;
  headers: Record<string, string>;
}

export function toAuthFailureResponse(error: CognitoAuthError): AuthFailureResponse {
  if (error instanceof InvalidTokenError) {
    return {
      exception: new UnauthorizedException(error.description),
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'invalid_token', error_description: error.description }) },
    };
  }
  if (error instanceof InvalidRequestError) {
    return {
      exception: new BadRequestException(error.description),
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'invalid_request', error_description: error.description }) },
    };
  }
  if (error instanceof KeySetUnavailableError) {
    return {
      exception: new ServiceUnavailableException('Token verification is temporarily unavailable'),
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof InsufficientScopeError) {
    return {
      exception: new ForbiddenException(`This route requires the scopes: ${error.requiredScopes.join(' ')}`),
      headers: {
        'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope: error.requiredScopes.join(' ') }),
      },
    };
  }
  if (error instanceof GroupNotAllowedError) {
    return { exception: new ForbiddenException('The user is not in a group allowed here'), headers: {} };
  }
  if (!(error instanceof MissingTokenError)) {
    return toAuthFailureResponse(new InvalidTokenError('malformed', 'The token could not be verified'));
  }
  return { exception: new UnauthorizedException('A bearer token is required'), headers: { 'WWW-Authenticate': 'Bearer' } };
}

/** `Bearer k="v", …` with each value reduced to the characters RFC 6750 allows in quotes. */
export function bearerChallenge(params: Record<string, string>): string {
  const pairs = Object.entries(params).map(([key, value]) => `${key}="${toQuotable(value)}"`);
  return pairs.length === 0 ? 'Bearer' : `Bearer ${pairs.join(', ')}`;
}

function toQuotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}
