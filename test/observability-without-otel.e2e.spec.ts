/**
 * `@opentelemetry/api` is an optional peer: an app without it boots and serves, and an app with
 * `metrics: false`, or with no OpenTelemetry SDK registered, never tries to load it. A loader hook makes the package look uninstalled in
 * this test process (and counts the attempts to import it); nothing else is changed.
 */
import { MessageChannel } from 'node:worker_threads';
import { register } from 'node:module';
import type { CognitoAuthOptions } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { fastJwksOptions, probeModule, sleep } from './support/hostile.js';
import { ADAPTERS, startApp } from './support/test-app.js';

const attempts: string[] = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (specifier: string) => attempts.push(specifier));
port1.unref();
register('./support/hide-package.mjs', import.meta.url, {
  data: { name: '@opentelemetry/api', port: port2 },
  transferList: [port2],
});

let kit: CognitoTestKit;
beforeAll(async () => {
  kit = await createCognitoTestKit();
});
afterAll(() => kit.close());

/** Boots the probe app, checks that it serves a protected route, closes it; returns the new import attempts. */
async function bootAndServe(adapter: (typeof ADAPTERS)[number], overrides: Partial<CognitoAuthOptions>) {
  const before = attempts.length;
  const app = await startApp(probeModule(fastJwksOptions(kit, { jwksTimeoutMs: 5_000, ...overrides })), { adapter });
  try {
    expect((await get(`${app.url}/protected`, bearer(kit.accessToken()))).status).toBe(200);
    expect((await get(`${app.url}/protected`)).status).toBe(401);
    expect(app.logs.text()).not.toMatch(/opentelemetry/i);
  } finally {
    await app.close();
  }
  await sleep(50); // the hook reports from its own thread
  return attempts.slice(before);
}

// In this order: once an import of the package has failed, the test runner remembers it.
describe('an app without @opentelemetry/api installed', () => {
  it.each(ADAPTERS)(
    'boots and serves with metrics: false, and never tries to load the package (%s)',
    async (adapter) => {
      expect(await bootAndServe(adapter, { metrics: false })).toEqual([]);
    },
  );

  it.each(ADAPTERS)(
    'boots and serves with the default options, and never tries to load the package while no SDK registered anything (%s)',
    async (adapter) => {
      expect(await bootAndServe(adapter, {})).toEqual([]);
    },
  );

  it('boots and serves with the default options once an SDK registered on the API: the attempt to load it fails quietly', async () => {
    // What any copy of the API puts on globalThis when an SDK registers a provider through it.
    (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')] = { version: '1.9.0' };
    const tried = [];
    for (const adapter of ADAPTERS) tried.push(...(await bootAndServe(adapter, {})));
    expect(tried.length).toBeGreaterThan(0);
  });
});
