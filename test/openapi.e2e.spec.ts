import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSampleApp } from './support/kit-app.js';
import { get } from './support/http.js';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

describe.each(ADAPTERS)('OpenAPI document matches the guard (%s)', (adapter) => {
  let kit: CognitoTestKit;
  let app: RunningApp;
  let document: any;

  beforeAll(async () => {
    kit = await createCognitoTestKit();
    app = await startSampleApp(kit, { adapter });
    const res = await get(`${app.url}/docs-json`);
    expect(res.status).toBe(200);
    document = res.json();
  });
  afterAll(async () => {
    await app?.close();
    await kit?.close();
  });

  it('declares the bearer scheme once', () => {
    expect(document.components.securitySchemes.cognito).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('marks routes protected by the fallback guard as requiring the bearer scheme, with a 401', () => {
    for (const path of ['/me', '/me/sub', '/admin', '/orders']) {
      expect(document.paths[path].get.security, path).toEqual([{ cognito: [] }]);
      expect(document.paths[path].get.responses['401'], path).toBeDefined();
    }
  });

  it('marks @Public() routes as needing no security', () => {
    expect(document.paths['/health'].get.security).toEqual([]);
    expect(document.paths['/optional'].get.security).toEqual([]);
    expect(document.paths['/health'].get.responses['401']).toBeUndefined();
  });

  it('shows @Groups and @Scopes as a 403 and the required values', () => {
    expect(document.paths['/admin'].get['x-required-groups']).toEqual(['admin']);
    expect(document.paths['/admin'].get.responses['403']).toBeDefined();
    expect(document.paths['/orders'].get['x-required-scopes']).toEqual(['orders/read']);
    expect(document.paths['/orders'].get.responses['403']).toBeDefined();
    expect(JSON.stringify(document)).not.toContain('x-cognito-auth');
  });

  it('serves the Swagger UI page without a token', async () => {
    const res = await get(`${app.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('swagger');
  });
});

describe('the sample app documents its fallback policy', () => {
  const { app } = useSampleApp('express', { COGNITO_FALLBACK_GROUPS: 'staff' });

  it('routes without rules of their own show the fallback groups and a 403; routes with rules keep theirs', async () => {
    const document = (await get(`${app.url}/docs-json`)).json();
    expect(document.paths['/me'].get['x-required-groups']).toEqual(['staff']);
    expect(document.paths['/me'].get.responses['403']).toBeDefined();
    expect(document.paths['/admin'].get['x-required-groups']).toEqual(['admin']);
    expect(document.paths['/health'].get['x-required-groups']).toBeUndefined();
  });
});
