/**
 * GraphQL seen from outside: errors carry no stack trace whatever NODE_ENV is (the sample app
 * as `npm run start:sample` runs it, and the README's set-up), an unreachable key set is
 * reported as unavailable with retry information, and one request is verified once however many
 * fields or aliases it selects. Real apps on 127.0.0.1, the kit's real JWKS server, real HTTP.
 */
import { readFileSync } from 'node:fs';
import { ApolloDriver } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { CognitoAuthModule, type CognitoAuthOptions, type CognitoCustomCheckContext } from 'nestjs-cognito-auth';
import ts from 'typescript';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useKitApp, useModuleApp } from './support/kit-app.js';
import { nowSeconds } from './support/auth-e2e.js';
import { MeResolver } from './support/fixture-app.js';
import { postQuery, testGraphqlModule } from './support/graphql-app.js';
import { bearer, type HttpResult } from './support/http.js';
import { ADAPTERS, startApp, startSampleApp } from './support/test-app.js';

/** Runs `body` with NODE_ENV set to `value` (or deleted for `undefined`), then restores it. */
async function withNodeEnv<T>(value: string | undefined, body: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_ENV;
  if (value === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

/** No stack trace, no source path, no frame, anywhere in a GraphQL answer. */
function expectNoTrace(res: HttpResult): void {
  const text = res.body;
  const body = res.json();
  expect(Array.isArray(body.errors) && body.errors.length > 0, text).toBe(true);
  for (const error of body.errors) expect(error.extensions ?? {}).not.toHaveProperty('stacktrace');
  expect(text).not.toContain('stacktrace');
  expect(text).not.toContain(process.cwd());
  expect(text).not.toContain('node_modules');
  expect(text).not.toMatch(/\bat .*:\d+:\d+/);
}

/** The `GraphQLModule.forRoot(...)` argument of the README's GraphQL section, evaluated. */
function readmeGraphqlOptions(): Record<string, unknown> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## GraphQL'));
  const call = /GraphQLModule\.forRoot(?:<[^>]*>)?\(/.exec(section);
  if (!call) throw new Error('The README GraphQL section has no GraphQLModule.forRoot(...) snippet');
  const open = call.index + call[0].length - 1;
  const close = matchingParen(section, open);
  const argument = section.slice(open + 1, close);
  const js = ts.transpileModule(`module.exports = (${argument});`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'ApolloDriver', js)(module, module.exports, ApolloDriver);
  return module.exports;
}

/** Index of the `)` closing the `(` at `open`, skipping strings and comments. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const char = text[i];
    if (char === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (char === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 1;
    else if (char === "'" || char === '"' || char === '`') {
      for (i += 1; text[i] !== char; i += 1) if (text[i] === '\\') i += 1;
    } else if (char === '(') depth += 1;
    else if (char === ')' && --depth === 0) return i;
    if (i < 0) break;
  }
  throw new Error('Unbalanced parentheses in the README snippet');
}

// ---------------------------------------------------------------------------------------------

const ENVIRONMENTS: ReadonlyArray<readonly [string, string | undefined]> = [
  ['NODE_ENV unset, as npm run start:sample runs it', undefined],
  ['NODE_ENV=production', 'production'],
];

describe.each(
  ENVIRONMENTS.flatMap(([name, value]) => ADAPTERS.map((adapter) => [`${name}, ${adapter}`, value, adapter] as const)),
)('GraphQL errors of the sample app carry no stack trace (%s)', (_label, nodeEnv, adapter) => {
  const { kit, app } = useKitApp((kit) => withNodeEnv(nodeEnv, () => startSampleApp(kit, { adapter })));
  const { kit: downKit, app: downApp } = useKitApp((kit) => {
    kit.setJwksBehaviour('error-500');
    return withNodeEnv(nodeEnv, () => startSampleApp(kit, { adapter }));
  });

  it('no token (UNAUTHENTICATED)', async () => {
    const res = await postQuery(app.url, '{ me { sub } }');
    expect(res.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expectNoTrace(res);
  });

  it('an invalid token (UNAUTHENTICATED)', async () => {
    const res = await postQuery(app.url, '{ me { sub } }', bearer(kit.accessToken({ exp: nowSeconds() - 60 })));
    expect(res.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expectNoTrace(res);
  });

  it('two Authorization headers (a bad request)', async () => {
    const token = kit.accessToken();
    const res = await postQuery(app.url, '{ me { sub } }', { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
    expect(res.json().data ?? null).toBeNull();
    expectNoTrace(res);
  });

  it('a query that does not validate', async () => {
    expectNoTrace(await postQuery(app.url, '{ noSuchField }', bearer(kit.accessToken())));
  });

  it('the key set is unreachable', async () => {
    const res = await postQuery(downApp.url, '{ me { sub } }', bearer(downKit.accessToken()));
    expect(res.json().data ?? null).toBeNull();
    expectNoTrace(res);
  });
});

describe('GraphQL errors of the README set-up carry no stack trace (NODE_ENV unset)', () => {
  const { kit, app } = useKitApp((kit) => {
    const options = readmeGraphqlOptions();
    return withNodeEnv(undefined, () =>
      startApp({
        imports: [
          CognitoAuthModule.forRoot(kit.moduleOptions()),
          GraphQLModule.forRoot({ ...options, path: '/graphql' }),
        ],
        providers: [MeResolver],
      }),
    );
  });

  it('answers a valid token (the snippet works)', async () => {
    const res = await postQuery(app.url, '{ me { username } }', bearer(kit.accessToken({ username: 'alice' })));
    expect(res.json()).toEqual({ data: { me: { username: 'alice' } } });
  });

  it('no token and an invalid token: no stack trace', async () => {
    expectNoTrace(await postQuery(app.url, '{ me { sub } }'));
    expectNoTrace(await postQuery(app.url, '{ me { sub } }', bearer(kit.accessToken({ exp: nowSeconds() - 60 }))));
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)(
  'GraphQL reports an unreachable key set as unavailable, with retry information (%s)',
  (adapter) => {
    const { kit, app } = useKitApp(async (kit) => {
      kit.setJwksBehaviour('error-500');
      return startSampleApp(kit, { adapter });
    });

    it('a protected query: an unavailable code (not INTERNAL_SERVER_ERROR), a message that says so, retry information', async () => {
      const res = await postQuery(app.url, '{ me { sub } }', bearer(kit.accessToken()));
      const body = res.json();
      expect(body.data ?? null).toBeNull();
      const [error] = body.errors;
      expect(error.extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
      expect(error.extensions.code).toMatch(/UNAVAILABLE/);
      expect(error.message).toMatch(/unavailable/i);
      const retryHeader = res.headers['retry-after'];
      const retryExtension = Object.entries(error.extensions as Record<string, unknown>).find(([key]) =>
        /retry/i.test(key),
      )?.[1];
      const retry = retryHeader ?? retryExtension;
      expect(retry, `Retry-After header or a retry extension in ${res.body}`).toBeDefined();
      expect(String(retry)).toMatch(/^[1-9][0-9]*$/);
    });
  },
);

// ---------------------------------------------------------------------------------------------

const aliases = (count: number, selection: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

describe.each(ADAPTERS)(
  'a GraphQL request is verified once, however many fields or aliases it selects (%s)',
  (adapter) => {
    const ALIASES = 1000;
    const hook = { calls: 0, refuse: false };
    const options = (): Partial<CognitoAuthOptions> => ({
      customCheck: (_context: CognitoCustomCheckContext) => {
        hook.calls += 1;
        if (hook.refuse) throw new Error('refused');
      },
    });

    const { kit, app } = useModuleApp({
      adapter,
      options: options(),
      imports: [testGraphqlModule(adapter)],
      providers: [MeResolver],
    });
    beforeAll(async () => {
      expect((await postQuery(app.url, '{ me { sub } }', bearer(kit.accessToken()))).json().data.me).toBeTruthy(); // keys loaded
      hook.calls = 0;
    });
    afterEach(() => {
      hook.calls = 0;
      hook.refuse = false;
    });

    it(`${ALIASES} aliases of the protected me query, a new valid token: one verification`, async () => {
      const res = await postQuery(
        app.url,
        aliases(ALIASES, 'me { username }'),
        bearer(kit.accessToken({ username: 'alice' })),
      );
      const body = res.json();
      expect(body.errors).toBeUndefined();
      expect(Object.values(body.data).every((me: any) => me.username === 'alice')).toBe(true);
      expect(Object.keys(body.data)).toHaveLength(ALIASES);
      expect(hook.calls).toBe(1);
    });

    it(`${ALIASES} aliases of the public health query, a new valid token: one verification`, async () => {
      const res = await postQuery(app.url, aliases(ALIASES, 'health'), bearer(kit.accessToken()));
      expect(Object.keys(res.json().data)).toHaveLength(ALIASES);
      expect(hook.calls).toBe(1);
    });

    it('protected and public fields mixed in one request: one verification', async () => {
      const query = `{ ${Array.from({ length: 200 }, (_, i) => `m${i}: me { sub } h${i}: health`).join(' ')} }`;
      const res = await postQuery(app.url, query, bearer(kit.accessToken()));
      expect(res.json().errors).toBeUndefined();
      expect(hook.calls).toBe(1);
    });

    it(`a refused token over ${ALIASES} aliases: refused once, every field UNAUTHENTICATED`, async () => {
      hook.refuse = true;
      const res = await postQuery(app.url, aliases(ALIASES, 'me { sub }'), bearer(kit.accessToken()));
      const body = res.json();
      expect(body.data ?? null).toBeNull();
      expect(body.errors.length).toBeGreaterThan(0);
      expect(body.errors.every((error: any) => error.extensions.code === 'UNAUTHENTICATED')).toBe(true);
      expect(hook.calls).toBe(1);
    });

    it('the same token in a later request: verified once more, not once per alias', async () => {
      const token = kit.accessToken();
      await postQuery(app.url, aliases(50, 'me { sub }'), bearer(token));
      const before = hook.calls;
      const res = await postQuery(app.url, aliases(50, 'me { sub }'), bearer(token));
      expect(res.json().errors).toBeUndefined();
      expect(hook.calls - before).toBe(1);
    });
  },
);
