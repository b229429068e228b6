import { describe, expect, it } from 'vitest';
import { useSampleApp } from './support/kit-app.js';
import { postQuery } from './support/graphql-app.js';
import { ADAPTERS } from './support/test-app.js';

describe.each(ADAPTERS)('GraphQL resolvers behind the global guard (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);
  const query = (body: string, headers: Record<string, string> = {}) => postQuery(app.url, body, headers);

  it('answers the public health query without a token', async () => {
    const res = await query('{ health }');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ data: { health: 'ok' } });
  });

  it('refuses the protected me query without a token: an UNAUTHENTICATED error and no data', async () => {
    const res = await query('{ me { sub } }');
    const body = res.json();
    expect(body.data).toBeNull();
    expect(body.errors[0].message).toBe('A bearer token is required');
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses the me query with an invalid token and says why', async () => {
    const expired = kit.accessToken({ exp: Math.floor(Date.now() / 1000) - 60 });
    const body = (await query('{ me { sub } }', { authorization: `Bearer ${expired}` })).json();
    expect(body.data).toBeNull();
    expect(body.errors[0].message).toBe('The token has expired');
    expect(JSON.stringify(body)).not.toContain(expired);
  });

  it('answers the me query with the user object fields for a valid token', async () => {
    const token = kit.accessToken({ username: 'alice', 'cognito:groups': ['admin'], scope: 'a b' });
    const res = await query('{ me { sub username clientId tokenUse groups scopes userPoolId issuer } }', {
      authorization: `Bearer ${token}`,
    });
    expect(res.json().data.me).toMatchObject({
      username: 'alice',
      clientId: kit.clientId,
      tokenUse: 'access',
      groups: ['admin'],
      scopes: ['a', 'b'],
      userPoolId: kit.userPoolId,
      issuer: kit.issuer,
    });
  });

  it('answers a machine token with a null username instead of failing', async () => {
    const res = await query('{ me { sub username groups } }', { authorization: `Bearer ${kit.machineToken()}` });
    expect(res.json().data.me).toEqual({ sub: kit.clientId, username: null, groups: [] });
  });
});
