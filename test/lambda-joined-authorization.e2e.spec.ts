/**
 * An `Authorization` value holding a comma is refused with 400 `invalid_request`: API Gateway
 * joins repeated headers into one value with commas, which would otherwise hide the
 * two-headers check. Over real HTTP on both adapters, so the rule holds on a server too.
 */
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from './support/http.js';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

const JOINED_CHALLENGE =
  'Bearer error="invalid_request", error_description="The Authorization header holds more than one value"';

describe.each(ADAPTERS)('an Authorization value holding a comma is a bad request (%s)', (adapter) => {
  let kit: CognitoTestKit;
  let app: RunningApp;

  beforeAll(async () => {
    kit = await createCognitoTestKit();
    app = await startSampleApp(kit, { adapter });
  });

  afterAll(async () => {
    await app?.close();
    await kit?.close();
  });

  it('refuses "Bearer a, Bearer b" with 400 invalid_request', async () => {
    const res = await get(`${app.url}/me`, { authorization: 'Bearer a, Bearer b' });
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toBe(JOINED_CHALLENGE);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('refuses a valid token joined with a second one, even when both are valid', async () => {
    const token = kit.accessToken();
    const res = await get(`${app.url}/me`, { authorization: `Bearer ${token}, Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toBe(JOINED_CHALLENGE);
    expect(res.body).not.toContain(token);
  });

  it('refuses a valid token joined with another scheme', async () => {
    const res = await get(`${app.url}/me`, { authorization: `Bearer ${kit.accessToken()}, Basic YTpi` });
    expect(res.status).toBe(400);
  });

  it('on a public route, answers as two Authorization headers do: no user', async () => {
    const token = kit.accessToken();
    const joined = await get(`${app.url}/optional`, { authorization: `Bearer ${token}, Bearer x` });
    const twoHeaders = await get(`${app.url}/optional`, { authorization: [`Bearer ${token}`, 'Bearer x'] });
    expect({ status: joined.status, body: joined.body }).toEqual({ status: twoHeaders.status, body: twoHeaders.body });
    expect(joined.json()).toEqual({ user: null });
  });

  it('still admits the same token sent alone', async () => {
    const res = await get(`${app.url}/me`, { authorization: `Bearer ${kit.accessToken({ username: 'alice' })}` });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ username: 'alice' });
  });
});
