/**
 * The Lambda authorizer (`nestjs-cognito-auth/lambda`) is one more path: several listed pools
 * with their own token kinds and clients and keys bound to their pool, a deny-list shared with a
 * Nest app through a revocation store (a sign-out made in the app is refused by the authorizer,
 * cache hits included), a deny-list that cannot be trusted and a `customCheck` that never answers
 * (never an Allow). Real tokens, real key-set servers, HTTP API simple responses.
 */
import { CognitoAuthModule, CognitoRevocationService } from 'nestjs-cognito-auth';
import { type CognitoAuthorizerOptions, createCognitoAuthorizer } from 'nestjs-cognito-auth/lambda';
import { httpApiAuthorizerEvent } from 'nestjs-cognito-auth/testing';
import { describe, expect, it } from 'vitest';
import { nowSeconds } from './support/auth-e2e.js';
import { bearer } from './support/http.js';
import { useApp, useKit } from './support/kit-app.js';
import { SwitchableRevocationStore } from './support/paths-revocation-store.js';
import { startApp } from './support/test-app.js';

const STAFF = 'eu-west-1_StaffL';
const CUSTOMERS = 'us-east-1_CustomersL';

const staff = useKit({ userPoolId: STAFF, clientId: 'staff-client' });
const customers = useKit({ userPoolId: CUSTOMERS, clientId: 'customer-client' });
const outsider = useKit({ userPoolId: 'eu-west-1_OutsiderL' });

const pools = (): CognitoAuthorizerOptions['userPools'] => [
  staff.moduleOptions(),
  { ...customers.moduleOptions(), tokenUse: 'any' },
];
const authorize = (options: Partial<CognitoAuthorizerOptions> = {}) => {
  const authorizer = createCognitoAuthorizer({ userPools: pools(), simpleResponse: true, ...options });
  return (token: string) => authorizer(httpApiAuthorizerEvent({ path: '/orders', headers: bearer(token) }));
};

describe('the authorizer with several listed pools', () => {
  it("authorizes each pool's tokens under its own token kinds and clients", async () => {
    const check = authorize();
    expect(await check(staff.accessToken({ sub: 'staff-user' }))).toMatchObject({
      isAuthorized: true,
      context: { sub: 'staff-user', clientId: 'staff-client', tokenUse: 'access' },
    });
    expect(await check(customers.idToken({ sub: 'customer-user' }))).toMatchObject({
      isAuthorized: true,
      context: { sub: 'customer-user', clientId: 'customer-client', tokenUse: 'id' },
    });
    expect(await check(staff.idToken())).toEqual({ isAuthorized: false });
    expect(await check(staff.accessToken({ client_id: 'customer-client' }))).toEqual({ isAuthorized: false });
  });

  it('keeps keys bound to their pool, and refuses a pool it does not list without downloading its keys', async () => {
    const check = authorize();
    expect(await check(staff.accessToken({}, { key: customers.currentKey }))).toEqual({ isAuthorized: false });
    expect(await check(customers.accessToken({ iss: staff.issuer, client_id: 'staff-client' }))).toEqual({
      isAuthorized: false,
    });
    expect(await check(outsider.accessToken())).toEqual({ isAuthorized: false });
    expect(outsider.jwksRequestCount).toBe(0);
  });
});

describe('the authorizer refuses a session the Nest app revoked in a shared store', () => {
  // A deny-list both share, as a database would be.
  const shared = new SwitchableRevocationStore();

  const app = useApp(() =>
    startApp({ imports: [CognitoAuthModule.forRoot({ userPools: pools(), revocation: { store: shared } })] }),
  );

  it('authorized before the sign-out, refused after it, although the token was cached', async () => {
    const check = authorize({ revocation: { store: shared } });
    const session = 'session-signed-out';
    const token = staff.accessToken({ origin_jti: session });
    expect(await check(token)).toMatchObject({ isAuthorized: true });
    expect(await check(token)).toMatchObject({ isAuthorized: true });
    await app.app.get(CognitoRevocationService).revoke({ origin_jti: session, exp: nowSeconds() + 3600 });
    expect(await check(token)).toEqual({ isAuthorized: false });
    expect(await check(staff.accessToken({ origin_jti: session }))).toEqual({ isAuthorized: false });
    expect(await check(staff.accessToken({ origin_jti: 'another-session' }))).toMatchObject({ isAuthorized: true });
  });
});

describe("the authorizer under failurePolicy 'refuse' with a deny-list that cannot be trusted", () => {
  it('a stale list, or reads that throw: rejects with another error than Unauthorized, never an Allow', async () => {
    const store = new SwitchableRevocationStore();
    const check = authorize({ revocation: { store, failurePolicy: 'refuse' } });
    const token = staff.accessToken();
    expect(await check(token)).toMatchObject({ isAuthorized: true });
    for (const trouble of [{ isCurrent: false }, { isCurrent: true, failing: true }]) {
      Object.assign(store, trouble);
      const outcome = await check(token).then(
        (answer) => ({ answer }),
        (error: Error) => ({ error: error.message }),
      );
      expect(outcome).toEqual({ error: expect.not.stringMatching(/^Unauthorized$/) });
    }
  });
});

describe('the authorizer bounds a customCheck that never answers', () => {
  it('rejects within callbackTimeoutMs with another error than Unauthorized, never an Allow', async () => {
    const check = authorize({ customCheck: () => new Promise<void>(() => undefined), callbackTimeoutMs: 200 });
    const startedAt = Date.now();
    const outcome = await check(staff.accessToken()).then(
      (answer) => ({ answer }),
      (error: Error) => ({ error: error.message }),
    );
    expect(outcome).toEqual({ error: expect.not.stringMatching(/^Unauthorized$/) });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
