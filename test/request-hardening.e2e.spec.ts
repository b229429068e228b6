/**
 * Requests shaped to slip past the guard: an `Authorization` header hidden behind the server's
 * header-count limit, an empty `@Groups()` / `@Scopes()` list, and a token wrapped in no-break
 * spaces. Real apps on 127.0.0.1 under both adapters, real HTTP (raw sockets where a client
 * library would tidy the request up).
 */
import { connect } from 'node:net';
import type { Type } from '@nestjs/common';
import { CognitoAuthModule, Groups, Public, Scopes } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { useKit, useModuleApp } from './support/kit-app.js';
import { okController } from './support/rule-handlers.js';
import { expectInvalidTokenNotEchoed, ProbeController } from './support/hostile.js';
import { bearer, get } from './support/http.js';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app.js';

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `GET path` over a plain TCP socket with exactly these header lines, in this order (no
 * client library to merge, drop or reorder them), and reads the answer until the server closes.
 * A connection closed without an answer gives status 0.
 */
function rawGet(url: string, path: string, headerLines: readonly string[]): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const request = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: close',
    ...headerLines,
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: 0, head: '', body: '' });
      else reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: end === -1 ? '' : text.slice(end + 4) });
    });
    socket.write(request, 'latin1');
  });
}

/** `count` tiny header lines (short, so the request stays far below the 16 KiB header size limit). */
const filler = (count: number) => Array.from({ length: count }, () => 'x:1');

describe.each(ADAPTERS)(
  'a request whose header list reached the server limit is refused on protected routes (%s)',
  (adapter) => {
    const { kit, app } = useModuleApp({ adapter, controllers: [ProbeController] });

    it('two Authorization headers next to each other: refused (the duplicate check itself)', async () => {
      const res = await rawGet(app.url, '/protected', [
        `Authorization: Bearer ${kit.accessToken({ username: 'alice' })}`,
        `Authorization: Bearer ${kit.accessToken({ username: 'mallory' })}`,
      ]);
      expect([400, 401]).toContain(res.status);
    });

    it('a second Authorization header after 1,200 other header lines: never 200', async () => {
      const res = await rawGet(app.url, '/protected', [
        `Authorization: Bearer ${kit.accessToken({ username: 'alice' })}`,
        ...filler(1_200),
        `Authorization: Bearer ${kit.accessToken({ username: 'mallory' })}`,
      ]);
      expect(res.status, res.head).not.toBe(200);
      expect([400, 401, 431]).toContain(res.status);
    });

    it('a single Authorization header followed by 1,200 other header lines: refused, the list may have been cut', async () => {
      const res = await rawGet(app.url, '/protected', [`Authorization: Bearer ${kit.accessToken()}`, ...filler(1_200)]);
      expect(res.status, res.head).not.toBe(200);
      expect([400, 401, 431]).toContain(res.status);
    });

    it('a valid token with 300 other header lines (far below the limit) still gets 200', async () => {
      const res = await rawGet(app.url, '/protected', [
        `Authorization: Bearer ${kit.accessToken({ username: 'alice' })}`,
        ...filler(300),
      ]);
      expect(res.status, res.head).toBe(200);
      expect(JSON.parse(res.body).username).toBe('alice');
    });
  },
);

// ---------------------------------------------------------------------------------------------

/** Runs `define` (which applies the decorators) and boots an app with its controller. */
async function defineAndBoot(
  kit: CognitoTestKit,
  adapter: (typeof ADAPTERS)[number],
  define: () => Type,
): Promise<{ error?: Error; app?: RunningApp }> {
  try {
    const controller = define();
    const app = await startApp(
      { imports: [CognitoAuthModule.forRoot(kit.moduleOptions())], controllers: [controller] },
      { adapter },
    );
    return { app };
  } catch (error) {
    return { error: error as Error };
  }
}

/** Group and scope names "from configuration" that turned out empty. */
const namesFromConfig: string[] = [];

/** A controller with one route under `rule(...namesFromConfig)`, on the class or on its handler. */
function withEmptyRule(rule: typeof Groups | typeof Scopes, level: 'class' | 'handler'): Type {
  const prefix = `empty-${level}`;
  return level === 'class'
    ? okController(prefix, { '/': [] }, rule(...namesFromConfig))
    : okController(prefix, { '/': [rule(...namesFromConfig)] });
}

/**
 * [test, the empty rule, a class rule over that empty handler rule, the route, claims the class
 * rule refuses, what a 200 would mean]: the app must not start, and if it did, must refuse.
 */
const EMPTY_UNDER_CLASS_RULE: Array<[string, string, () => Type, string, Record<string, unknown>, string]> = [
  [
    'an empty handler-level @Groups() never lets a non-admin past a class-level @Groups("admin")',
    '@Groups()',
    () => okController('admin-area', { report: [Groups(...namesFromConfig)] }, Groups('admin')),
    '/admin-area/report',
    { 'cognito:groups': ['reader'] },
    'a reader reached an admin-only route',
  ],
  [
    'an empty handler-level @Scopes() never lets a token past a class-level @Scopes("orders/write")',
    '@Scopes()',
    () => okController('orders-area', { write: [Scopes(...namesFromConfig)] }, Scopes('orders/write')),
    '/orders-area/write',
    { scope: 'orders/read' },
    'a token without orders/write reached the route',
  ],
];

describe.each(ADAPTERS)(
  'an empty @Groups() or @Scopes() list is a programming error, never "allow everyone" (%s)',
  (adapter) => {
    const kit = useKit();
    let app: RunningApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it.each([
      ['@Groups() with no group', Groups, 'handler', /group/i],
      ['@Scopes() with no scope', Scopes, 'handler', /scope/i],
      ['an empty class-level @Groups()', Groups, 'class', undefined],
    ] as const)('%s fails when the decorator runs or when the app starts', async (what, rule, level, message) => {
      const booted = await defineAndBoot(kit, adapter, () => withEmptyRule(rule, level));
      app = booted.app;
      expect(booted.error, `the app started with ${what}`).toBeInstanceOf(Error);
      if (message) expect(booted.error!.message).toMatch(message);
    });

    it.each(EMPTY_UNDER_CLASS_RULE)('%s', async (_name, rule, define, path, claims, breach) => {
      const booted = await defineAndBoot(kit, adapter, define);
      app = booted.app;
      if (booted.app) {
        const res = await get(`${booted.app.url}${path}`, bearer(kit.accessToken(claims)));
        expect(res.status, breach).toBe(403);
      }
      expect(booted.error, `the app started with an empty handler-level ${rule}`).toBeInstanceOf(Error);
    });

    it('non-empty lists still work: a handler list overrides the class list, a member passes, others get 403', async () => {
      const booted = await defineAndBoot(kit, adapter, () =>
        okController('area', { edit: [Groups('editors')], open: [Public()] }, Groups('admin')),
      );
      app = booted.app;
      expect(booted.error).toBeUndefined();
      const url = `${booted.app!.url}/area/edit`;
      expect((await get(url, bearer(kit.accessToken({ 'cognito:groups': ['editors'] })))).status).toBe(200);
      expect((await get(url, bearer(kit.accessToken({ 'cognito:groups': ['reader'] })))).status).toBe(403);
      expect((await get(`${booted.app!.url}/area/open`)).status).toBe(200);
    });
  },
);

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)('only spaces and tabs are trimmed around the bearer token (%s)', (adapter) => {
  const NBSP = '\u00A0';
  const { kit, app } = useModuleApp({ adapter, controllers: [ProbeController] });
  const protectedRoute = (authorization: string) => get(`${app.url}/protected`, { authorization });

  it('spaces and tabs around the token are trimmed: 200', async () => {
    const token = kit.accessToken({ username: 'alice' });
    const res = await protectedRoute(`Bearer  \t ${token} \t `);
    expect(res.status).toBe(200);
    expect(res.json().username).toBe('alice');
  });

  it('a no-break space before the token is not trimmed: 401 invalid_token', async () => {
    const token = kit.accessToken();
    expectInvalidTokenNotEchoed(await protectedRoute(`Bearer ${NBSP}${token}`), token);
  });

  it('a no-break space after the token is not trimmed: 401 invalid_token', async () => {
    const token = kit.accessToken();
    expectInvalidTokenNotEchoed(await protectedRoute(`Bearer ${token}${NBSP}`), token);
  });

  it('no-break spaces on both sides, next to ordinary spaces, are not trimmed: 401 invalid_token', async () => {
    const token = kit.accessToken();
    expectInvalidTokenNotEchoed(await protectedRoute(`Bearer  ${NBSP}${NBSP}${token}${NBSP} `), token);
  });
});
