import { randomUUID } from 'node:crypto';

/** What the default claims are derived from. */
export interface ClaimContext {
  readonly issuer: string;
  readonly clientId: string;
}

/** Default user name of minted user tokens (`username` / `cognito:username`). */
export const DEFAULT_USERNAME = 'test-user';
/** Default `email` of minted ID tokens. */
export const DEFAULT_EMAIL = 'test-user@example.com';

/** The current time in seconds; honours fake clocks that mock `Date`. */
export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A user-pool access token's claims, as Cognito issues them (see the AWS developer guide). */
export function defaultAccessClaims(ctx: ClaimContext, now: number): Record<string, unknown> {
  return {
    sub: randomUUID(),
    iss: ctx.issuer,
    client_id: ctx.clientId,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: randomUUID(),
    username: DEFAULT_USERNAME,
  };
}

/** An ID token's claims, as Cognito issues them (see the AWS developer guide). */
export function defaultIdClaims(ctx: ClaimContext, now: number): Record<string, unknown> {
  return {
    sub: randomUUID(),
    aud: ctx.clientId,
    email_verified: true,
    iss: ctx.issuer,
    'cognito:username': DEFAULT_USERNAME,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: randomUUID(),
    email: DEFAULT_EMAIL,
  };
}

/** A client-credentials (machine-to-machine) access token's claims: no user name, no groups. */
export function defaultMachineClaims(ctx: ClaimContext, now: number): Record<string, unknown> {
  return {
    sub: ctx.clientId,
    token_use: 'access',
    scope: 'default-m2m-resource-server/read',
    auth_time: now,
    iss: ctx.issuer,
    exp: now + 3600,
    iat: now,
    version: 2,
    jti: randomUUID(),
    client_id: ctx.clientId,
  };
}
