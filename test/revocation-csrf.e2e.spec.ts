// The sample app follows its own CSRF and cross-site WebSocket advice: POST /logout
// authenticated by the token cookie alone is accepted only from the app's own origin or one in
// ALLOWED_ORIGINS (a request with an Authorization header cannot be forged by another site), and
// socket.io's /events refuses handshakes from other origins over polling and WebSocket.
import { describe, expect, it } from 'vitest';
import { useApp, useKit, useSocketClients } from './support/kit-app.js';
import { bearer, get, send } from './support/http.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, startSampleApp } from './support/test-app.js';

const ALLOWED = 'https://app.example.test';
const FOREIGN = 'https://evil.example.test';

const kit = useKit();

describe.each(ADAPTERS)('the sample app refuses cross-site use of the token cookie (%s)', (adapter) => {
  const app = useApp(() =>
    startSampleApp(kit, {
      adapter,
      env: { COGNITO_TOKEN_COOKIE: 'access_token', ALLOWED_ORIGINS: ALLOWED },
    }),
  );
  const clients = useSocketClients();

  const cookie = (token: string) => ({ cookie: `access_token=${token}` });
  const logout = (headers: Record<string, string>) => send('POST', `${app.url}/logout`, headers);
  const meStatus = async (token: string) => (await get(`${app.url}/me`, cookie(token))).status;

  it('POST /logout with the cookie alone from a foreign origin, or with no Origin: 403, nothing revoked', async () => {
    const token = kit.accessToken();
    const origins: Array<Record<string, string>> = [{ origin: FOREIGN }, { origin: 'null' }, {}];
    for (const origin of origins) {
      const res = await logout({ ...cookie(token), ...origin });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    expect(await meStatus(token)).toBe(200);
  });

  it('POST /logout with the cookie from the app’s own origin or an allowed one: 204, signed out', async () => {
    for (const origin of [app.url, ALLOWED]) {
      const token = kit.accessToken();
      expect((await logout({ ...cookie(token), origin })).status).toBe(204);
      expect(await meStatus(token)).toBe(401);
    }
  });

  it('POST /logout with the Authorization header: not forgeable cross-site, so any origin', async () => {
    const token = kit.accessToken();
    expect((await logout({ ...bearer(token), origin: FOREIGN })).status).toBe(204);
    expect(await meStatus(token)).toBe(401);
  });

  it.each(['polling', 'websocket'] as const)(
    '/events over %s: a foreign origin is refused, the app’s own and allowed ones connect',
    async (transport) => {
      const token = kit.accessToken({ sub: 'socket-user' });
      const connect = (origin: string) =>
        clients.connect(`${app.url}/events`, { headers: { origin, ...cookie(token) }, transports: [transport] });
      await expect(connect(FOREIGN)).rejects.toThrow();
      for (const origin of [app.url, ALLOWED]) {
        expect(await ask(await connect(origin), 'whoami')).toEqual({ ack: { sub: 'socket-user' } });
      }
    },
  );

  it('/events long-polling sends CORS headers to the allowed origins only', async () => {
    const handshake = (origin: string) => get(`${app.url}/socket.io/?EIO=4&transport=polling`, { origin });
    const allowed = await handshake(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const foreign = await handshake(FOREIGN);
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
