/**
 * The sample app's /policies routes: one of each kind of rule, over HTTP on both adapters, and
 * its OpenAPI document naming each with a 403.
 */
import { describe, expect, it } from 'vitest';
import { useApp, useKit } from './support/kit-app.js';
import { expectBareChallenge } from './support/auth-e2e.js';
import { bearer, get } from './support/http.js';
import { expectForbidden, expectOk } from './support/policy-e2e.js';
import { ADAPTERS, startSampleApp } from './support/test-app.js';

const kit = useKit();

describe.each(ADAPTERS)('sample app /policies routes (%s)', (adapter) => {
  const sample = useApp(() => startSampleApp(kit, { adapter }));
  const call = (path: string, claims?: Record<string, unknown>) =>
    get(`${sample.url}${path}`, claims === undefined ? {} : bearer(kit.accessToken(claims)));

  it('GET /policies/all-groups needs admin and ops', async () => {
    expectOk(await call('/policies/all-groups', { 'cognito:groups': ['admin', 'ops'] }));
    expectForbidden(await call('/policies/all-groups', { 'cognito:groups': ['admin'] }));
    expectBareChallenge(await call('/policies/all-groups'));
  });

  it('GET /policies/not-suspended refuses suspended users', async () => {
    expectOk(await call('/policies/not-suspended', {}));
    expectForbidden(await call('/policies/not-suspended', { 'cognito:groups': ['admin', 'suspended'] }));
  });

  it('GET /policies/tenant needs custom:tenant acme', async () => {
    expectOk(await call('/policies/tenant', { 'custom:tenant': 'acme' }));
    expectForbidden(await call('/policies/tenant', { 'custom:tenant': 'globex' }));
    expectForbidden(await call('/policies/tenant', {}));
  });

  it("GET /policies/owner/:sub admits the path's own user only", async () => {
    expectOk(await call('/policies/owner/alice-sub', { sub: 'alice-sub' }));
    expectForbidden(await call('/policies/owner/alice-sub', { sub: 'bob-sub' }));
  });

  it('documents each route with its rule and a 403', async () => {
    const document = (await get(`${sample.url}/docs-json`)).json();
    const op = (path: string) => document.paths[path].get;
    expect(op('/policies/all-groups')['x-required-all-groups']).toEqual(['admin', 'ops']);
    expect(op('/policies/not-suspended')['x-excluded-groups']).toEqual(['suspended']);
    expect(op('/policies/tenant')['x-required-claims']).toEqual([{ claim: 'custom:tenant', values: ['acme'] }]);
    expect(op('/policies/owner/{sub}')['x-policies']).toEqual(['isOwner']);
    for (const path of [
      '/policies/all-groups',
      '/policies/not-suspended',
      '/policies/tenant',
      '/policies/owner/{sub}',
    ]) {
      expect(op(path).responses['403'], path).toBeDefined();
    }
  });
});
