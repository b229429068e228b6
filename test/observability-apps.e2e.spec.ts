/**
 * Two apps in one process (a gateway next to an admin API, or tests that start several apps):
 * each app's metrics count its own requests only, whatever the other app's `metrics` option.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { probeModule } from './support/hostile.js';
import { useAppsClosedAfterAll, useKit } from './support/kit-app.js';
import { createMeteredProvider, type MeteredProvider, valueOf } from './support/metric-reader.js';
import { ADAPTERS, startApp } from './support/test-app.js';

const ATTEMPTS = 'cognito_auth.authenticate.duration';
const DECISIONS = 'cognito_auth.authorization.attempts';

describe.each(ADAPTERS)('each app counts its own requests only (%s)', (adapter) => {
  const kit = useKit();
  const apps = useAppsClosedAfterAll();
  const providers: MeteredProvider[] = [];
  afterAll(async () => {
    await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
  });

  async function startMetered(metered: MeteredProvider | false) {
    if (metered) providers.push(metered);
    const metrics = metered ? { meterProvider: metered.provider } : false;
    const app = await startApp(probeModule({ ...kit.moduleOptions(), metrics }), { adapter });
    apps.push(app);
    return app;
  }

  it('records nothing of another app, metered or not', async () => {
    const first = createMeteredProvider();
    const second = createMeteredProvider();
    const firstApp = await startMetered(first);
    const secondApp = await startMetered(second);
    const unmetered = await startMetered(false);
    const token = kit.accessToken({ 'cognito:groups': ['admin'] });
    for (let i = 0; i < 3; i++) expect((await get(`${firstApp.url}/protected`, bearer(token))).status).toBe(200);
    expect((await get(`${secondApp.url}/admin`, bearer(token))).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await get(`${unmetered.url}/admin`, bearer(token))).status).toBe(200);

    const firstMetrics = await first.collect();
    const secondMetrics = await second.collect();
    expect(valueOf(firstMetrics.get(ATTEMPTS))).toBe(3);
    expect(valueOf(firstMetrics.get(DECISIONS))).toBe(3);
    expect(valueOf(firstMetrics.get(DECISIONS), { 'cognito_auth.authorization.rule': 'groups' })).toBe(0);
    expect(valueOf(secondMetrics.get(ATTEMPTS))).toBe(1);
    expect(valueOf(secondMetrics.get(DECISIONS))).toBe(1);
    expect(valueOf(secondMetrics.get(DECISIONS), { 'cognito_auth.authorization.rule': 'groups' })).toBe(1);
  });
});
