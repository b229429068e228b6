import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { type BrowserContext, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApp, startSampleApp } from './support/test-app.js';

// Debian's chromium package: Playwright's own browser download does not work on CI machines.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DOMAIN = 'auth.example.test';
const SCOPES = 'openid email';
const USER = { sub: '5f0c1e2a-7d3b-4c55-9a8e-swagger0user', username: 'swagger-user' };
// The committed picture in the README; rewritten only on request, so a test run leaves the tree clean.
const SCREENSHOT = fileURLToPath(new URL('../docs/swagger-signin.png', import.meta.url));
const UPDATE_SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(SCREENSHOT);
const STEP_TIMEOUT_MS = 10_000;

/** What the fake hosted UI saw, for the assertions after the flow. */
interface HostedUiTraffic {
  authorize?: URL;
  token?: URLSearchParams;
  code: string;
  accessToken?: string;
}

describe.each(ADAPTERS)('Swagger UI signs in with the Cognito hosted UI and tries GET /me (%s)', (adapter) => {
  let kit: CognitoTestKit | undefined;
  let app: RunningApp | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await kit?.close();
  });

  it('gets a code with PKCE, redeems it with the verifier, "Try it out" sends the access token, a reload stays signed in', async () => {
    // Checked here rather than in a hook, so that a machine without the browser fails this test.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test needs a real browser (apt-get install -y chromium)`);
    }
    kit = await createCognitoTestKit();
    app = await startSampleApp(kit, { adapter, env: { COGNITO_DOMAIN: DOMAIN, COGNITO_OAUTH_SCOPES: SCOPES } });
    profile = mkdtempSync(join(tmpdir(), 'swagger-signin-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1100, height: 900 },
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const traffic: HostedUiTraffic = { code: `code-${randomUUID()}` };
    // The hosted UI is not reachable from here: the browser's requests to it are answered in the test.
    await context.route(`https://${DOMAIN}/**`, (route) => answerHostedUi(route, kit!, traffic));
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${app.url}/docs`);

    await signIn(page);
    const redirectUri = `${app.url}/docs/oauth2-redirect.html`;
    const authorize = traffic.authorize!.searchParams;
    expect(authorize.get('response_type')).toBe('code');
    expect(authorize.get('client_id')).toBe(kit.clientId);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.get('state')).toBeTruthy();
    expect(authorize.get('redirect_uri')).toBe(redirectUri);
    expect(authorize.get('scope')).toBe(SCOPES);

    const token = traffic.token!;
    expect(token.get('grant_type')).toBe('authorization_code');
    expect(token.get('code')).toBe(traffic.code);
    expect(token.get('client_id')).toBe(kit.clientId);
    expect(token.get('redirect_uri')).toBe(redirectUri);
    const verifier = token.get('code_verifier') ?? '';
    expect(verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize.get('code_challenge'));

    const meRequest = page.waitForRequest((request) => new URL(request.url()).pathname === '/me');
    const shown = await tryGetMe(page);
    expect((await meRequest).headers().authorization).toBe(`Bearer ${traffic.accessToken}`);
    expect(shown.status).toBe('200');
    expect(JSON.parse(shown.body)).toMatchObject({ sub: USER.sub, username: USER.username, tokenUse: 'access' });
    if (adapter === 'express' && UPDATE_SCREENSHOT) await takeScreenshot(page);

    // The page now lives at /docs/ and the sign-in is persisted: a reload stays signed in.
    expect(new URL(page.url()).pathname).toBe('/docs/');
    await page.reload();
    await page.locator('.auth-wrapper button.authorize.locked').waitFor();
  });
});

/** The two hosted-UI endpoints Swagger UI talks to, as Cognito answers them. */
async function answerHostedUi(route: Route, kit: CognitoTestKit, traffic: HostedUiTraffic): Promise<void> {
  const request = route.request();
  const url = new URL(request.url());
  if (url.pathname === '/oauth2/authorize' && request.method() === 'GET') {
    traffic.authorize = url;
    // A signed-in user: Cognito sends the browser back to the redirect URI with a code and the state.
    const back = new URL(url.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', traffic.code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    return route.fulfill({ status: 302, headers: { location: back.href } });
  }
  if (url.pathname === '/oauth2/token') {
    const origin = request.headers().origin ?? '';
    // Swagger UI calls the token endpoint from the docs page's origin, with a CORS preflight.
    const cors = {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'accept, content-type, x-requested-with',
    };
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    traffic.token = new URLSearchParams(request.postData() ?? '');
    const scope = traffic.authorize?.searchParams.get('scope') ?? 'openid';
    traffic.accessToken = kit.accessToken({ ...USER, scope });
    return route.fulfill({
      status: 200,
      headers: { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({
        access_token: traffic.accessToken,
        id_token: kit.idToken({ sub: USER.sub, 'cognito:username': USER.username }),
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    });
  }
  return route.fulfill({ status: 404, body: 'not part of the hosted UI' });
}

/** Authorize → the OAuth2 scheme's own Authorize (a popup does the round trip) → close. */
async function signIn(page: Page): Promise<void> {
  await page.locator('.auth-wrapper .authorize').click();
  const scheme = page.locator('.auth-container', { hasText: 'cognito-sign-in' });
  expect(await scheme.locator('input[data-name="clientId"]').inputValue()).not.toBe('');
  const [popup] = await Promise.all([page.waitForEvent('popup'), scheme.locator('button.authorize').click()]);
  // oauth2-redirect.html hands the code to the docs page and closes the popup.
  await popup.waitForEvent('close').catch(() => {
    throw new Error(`the sign-in popup did not close; it shows ${popup.url()}`);
  });
  await scheme.locator('button', { hasText: 'Logout' }).waitFor();
  await page.locator('.dialog-ux .close-modal').click();
}

/** From the top of the page (the closed lock of Authorize) down to the body of the /me response. */
async function takeScreenshot(page: Page): Promise<void> {
  const body = page.locator('.live-responses-table .response-col_description .highlight-code').first();
  // Relative to the document's top, as a full-page clip wants it, whatever the scroll position.
  const bottom = await body.evaluate(
    (element) =>
      element.getBoundingClientRect().bottom - element.ownerDocument.documentElement.getBoundingClientRect().top,
  );
  const width = page.viewportSize()!.width;
  await page.screenshot({
    path: SCREENSHOT,
    fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.ceil(bottom) + 8 },
  });
}

/** Expands GET /me, "Try it out", "Execute"; returns the status and body Swagger UI shows. */
async function tryGetMe(page: Page): Promise<{ status: string; body: string }> {
  const operation = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/me"]') });
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.getByRole('button', { name: 'Execute' }).click();
  const live = operation.locator('.live-responses-table .response');
  await live.waitFor();
  await live.scrollIntoViewIfNeeded();
  return {
    status: (await live.locator('.response-col_status').innerText()).trim(),
    body: await live.locator('.response-col_description pre').first().innerText(),
  };
}
