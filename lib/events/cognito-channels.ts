import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * The module's `node:diagnostics_channel` channels. Publishers check `hasSubscribers` first,
 * so an app that subscribes to none pays nothing. No message holds a token, a signature, key
 * material or a `sub`.
 */
export const CHANNEL_NAMES = {
  authenticate: 'nestjs-cognito-auth:authenticate',
  authorize: 'nestjs-cognito-auth:authorize',
  jwks: 'nestjs-cognito-auth:jwks',
  revocation: 'nestjs-cognito-auth:revocation',
  transform: 'nestjs-cognito-auth:transform',
} as const;

/** Where an authentication attempt came from. */
export type CognitoTransport = 'http' | 'graphql' | 'ws' | 'rpc' | 'passport' | 'verifier' | 'lambda';

/** One authentication attempt: a request, a message, a handshake or a `verify()` call. */
export interface CognitoAuthenticateEvent {
  /** `none`: no token was sent. */
  readonly result: 'success' | 'failure' | 'none';
  /** Why a token was refused (`expired`, `invalid_signature`, …, `unavailable`), absent on success. */
  readonly reason?: string;
  /** The status the attempt was (or would be) answered with over HTTP. */
  readonly status: number;
  readonly cacheHit: boolean;
  readonly transport: CognitoTransport;
  readonly userPoolId?: string;
  readonly tokenUse?: string;
  readonly durationMs: number;
}

/** One authorization decision on a route's rules. */
export interface CognitoAuthorizeEvent {
  readonly result: 'allowed' | 'denied';
  /** The rule kind that decided (`groups`, `scopes`, `policy`, …), or `none` when the route has no rule. */
  readonly rule: string;
  readonly status: number;
}

/** One key-set download. */
export interface CognitoJwksEvent {
  readonly userPoolId: string;
  readonly trigger: 'preload' | 'cold' | 'unknown_kid' | 'refresh';
  readonly result: 'success' | 'failure';
  /** The kind of failure (`timeout`, `http_status`, `invalid_json`, `too_large`, `no_keys`, `network`, `other`). */
  readonly errorType?: string;
  readonly durationMs: number;
  /** Usable signing keys the download delivered; 0 when it failed (cached keys, if any, are kept). */
  readonly keyCount: number;
}

/** A change of the revocation store's state. */
export interface CognitoRevocationEvent {
  readonly store: string;
  /** Whether the list is known to be current. */
  readonly current: boolean;
  /** `connected`, `disconnected`, `restored`, `stale`, `revoked`, `pruned`, … */
  readonly event: string;
}

/** One call of the app's user transformer. */
export interface CognitoTransformEvent {
  readonly result: 'success' | 'not_found' | 'refused' | 'error' | 'timeout';
  readonly durationMs: number;
}

export const authenticateChannel = diagnosticsChannel.channel(CHANNEL_NAMES.authenticate);
export const authorizeChannel = diagnosticsChannel.channel(CHANNEL_NAMES.authorize);
export const jwksChannel = diagnosticsChannel.channel(CHANNEL_NAMES.jwks);
export const revocationChannel = diagnosticsChannel.channel(CHANNEL_NAMES.revocation);
export const transformChannel = diagnosticsChannel.channel(CHANNEL_NAMES.transform);
