import { describe, expect, it } from 'vitest';
import { useSampleApp } from './support/kit-app.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS } from './support/test-app.js';

describe.each(ADAPTERS)('sample app smoke (%s)', (adapter) => {
  const { kit, app } = useSampleApp(adapter);

  it('serves /health without a token', async () => {
    const res = await get(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('refuses /me without a token with a bare Bearer challenge', async () => {
    const res = await get(`${app.url}/me`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('serves /me with a valid access token', async () => {
    const res = await get(`${app.url}/me`, bearer(kit.accessToken({ username: 'alice' })));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ username: 'alice', tokenUse: 'access', groups: [], clientId: kit.clientId });
  });

  it('answers invalid_token for an expired token', async () => {
    const res = await get(`${app.url}/me`, bearer(kit.accessToken({ exp: Math.floor(Date.now() / 1000) - 60 })));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token has expired"',
    );
  });
});
