// The sample app's opt-in example of the app's own user: COGNITO_PROFILES=demo makes an in-memory
// profile the principal, shown at GET /me/profile, while the built-in rules keep reading the
// Cognito user; without the variable nothing changes (both adapters).
import { describe, expect, it } from 'vitest';
import { readSampleConfig } from '../sample-app/src/sample-config.js';
import { useApp, useKit } from './support/kit-app.js';
import { expectInvalidToken } from './support/auth-e2e.js';
import { postQuery } from './support/graphql-app.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS, sampleEnv, startSampleApp } from './support/test-app.js';

const kit = useKit();

describe.each(ADAPTERS)('COGNITO_PROFILES=demo: GET /me/profile shows the principal (%s)', (adapter) => {
  const app = useApp(() => startSampleApp(kit, { adapter, env: { COGNITO_PROFILES: 'demo' } }));

  it("alice's token: her profile from the directory, and the Cognito user's groups", async () => {
    const token = kit.accessToken({ username: 'alice', sub: 'alice-sub', 'cognito:groups': ['admin'] });
    const res = await get(`${app.url}/me/profile`, bearer(token));
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 200,
      body: {
        profile: { id: 'profile-1', sub: 'alice-sub', username: 'alice', displayName: 'Alice Liddell', plan: 'team' },
        groups: ['admin'],
      },
    });
    expect((await get(`${app.url}/me`, bearer(token))).json()).toMatchObject({ id: 'profile-1' });
  });

  it('@Groups still reads the Cognito user: alice (admin) passes /admin, bob gets 403', async () => {
    expect(
      (await get(`${app.url}/admin`, bearer(kit.accessToken({ username: 'alice', 'cognito:groups': ['admin'] }))))
        .status,
    ).toBe(200);
    expect((await get(`${app.url}/admin`, bearer(kit.accessToken({ username: 'bob' })))).status).toBe(403);
  });

  it('GraphQL me is still the Cognito user (its type models the token), while GET /me is the profile', async () => {
    const token = kit.accessToken({ username: 'bob', sub: 'bob-sub' });
    const res = await postQuery(app.url, '{ me { sub username tokenUse groups } }', bearer(token));
    expect(res.json()).toEqual({ data: { me: { sub: 'bob-sub', username: 'bob', tokenUse: 'access', groups: [] } } });
  });

  it('a user the directory does not know: 401 invalid_token, user not found', async () => {
    expectInvalidToken(
      await get(`${app.url}/me/profile`, bearer(kit.accessToken({ username: 'mallory' }))),
      'The user is not known to this application',
    );
  });
});

describe('without COGNITO_PROFILES the sample app has no transformer', () => {
  const app = useApp(() => startSampleApp(kit));

  it('GET /me/profile is 404 and GET /me the Cognito user', async () => {
    const token = kit.accessToken({ username: 'alice' });
    expect((await get(`${app.url}/me/profile`, bearer(token))).status).toBe(404);
    expect((await get(`${app.url}/me`, bearer(token))).json()).toMatchObject({ username: 'alice', tokenUse: 'access' });
  });

  it('another value of COGNITO_PROFILES is refused when the configuration is read', () => {
    expect(() => readSampleConfig(sampleEnv(kit, { COGNITO_PROFILES: 'prod' }))).toThrow(
      /COGNITO_PROFILES must be demo/,
    );
  });
});
