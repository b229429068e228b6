/** What the authorization suites share: apps on both adapters, calls with a token, and the answers they expect. */
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { addCognitoBearerAuth, applyCognitoSecurity } from 'nestjs-cognito-auth/swagger';
import { beforeAll, expect } from 'vitest';
import { sampleGraphqlModule } from '../../sample-app/src/graphql.module.js';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { bearer, get, type HttpResult, send } from './http.js';
import { useKitWith } from './kit-app.js';
import { ADAPTERS, type RunningApp, startApp } from './test-app.js';

/** The same app on every adapter; a function gives each adapter's (for a GraphQL module of that adapter). */
export async function startOnEveryAdapter(
  metadata: ModuleMetadata | ((adapter: HttpAdapterName) => ModuleMetadata),
): Promise<Record<HttpAdapterName, RunningApp>> {
  const apps = {} as Record<HttpAdapterName, RunningApp>;
  for (const adapter of ADAPTERS) {
    apps[adapter] = await startApp(typeof metadata === 'function' ? metadata(adapter) : metadata, { adapter });
  }
  return apps;
}

/**
 * A kit and, on every adapter, an app of `CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })`,
 * the sample app's GraphQL module and the suite's own metadata, started before the suite's tests.
 */
export function useAppsOnEveryAdapter(
  options: Partial<CognitoAuthOptions>,
  { imports = [], ...metadata }: ModuleMetadata,
): {
  readonly kit: CognitoTestKit;
  readonly apps: Record<HttpAdapterName, RunningApp>;
  /** GET `path` on that adapter's app with the token as a bearer token (see `call`). */
  readonly at: (
    adapter: HttpAdapterName,
    path: string,
    token?: string,
    headers?: Record<string, string>,
  ) => Promise<HttpResult>;
} {
  const { kit, started } = useKitWith(
    (kit) =>
      startOnEveryAdapter((adapter) => ({
        ...metadata,
        imports: [
          CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options }),
          sampleGraphqlModule(adapter),
          ...imports,
        ],
      })),
    (apps) => Promise.all(Object.values(apps).map((app) => app.close())),
  );
  return { kit, apps: started, at: (adapter, ...request) => call(started[adapter], ...request) };
}

/** GET `path` with the token as a bearer token (none when undefined). */
export const call = (app: RunningApp, path: string, token?: string, headers: Record<string, string> = {}) =>
  get(`${app.url}${path}`, { ...headers, ...(token === undefined ? {} : bearer(token)) });

export function expectOk(res: HttpResult): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: JSON.stringify({ ok: true }) });
}

/** 403, no challenge, and, when given, the message that says which kind of rule refused. */
export function expectForbidden(res: HttpResult, message?: string): void {
  expect({ status: res.status, wwwAuthenticate: res.headers['www-authenticate'] }).toEqual({
    status: 403,
    wwwAuthenticate: undefined,
  });
  if (message !== undefined) expect(res.json()).toEqual({ statusCode: 403, message, error: 'Forbidden' });
}

/** The messages of each kind of refusal. */
export const MESSAGES = {
  anyGroup: 'The user is not in a group allowed here',
  allGroups: 'The user is not in all the groups required here',
  notGroups: 'The user is in a group not allowed here',
  claim: (claim: string) => `The token's ${claim} claim is missing or not accepted here`,
  policy: 'A policy of this route refused the request',
  userPool: 'Tokens of this user pool are not accepted here',
} as const;

/** One GraphQL query over HTTP, its JSON body. */
export const graphql = (app: RunningApp, query: string, token?: string) =>
  send(
    'POST',
    `${app.url}/graphql`,
    { 'content-type': 'application/json', ...(token === undefined ? {} : bearer(token)) },
    JSON.stringify({ query }),
  ).then((res) => res.json());

/** The field (a Boolean query, maybe with arguments) answers `true`. */
export async function expectFieldAllowed(app: RunningApp, field: string, token: string): Promise<void> {
  expect(await graphql(app, `{ ${field} }`, token)).toEqual({ data: { [field.replace(/\(.*$/, '')]: true } });
}

/** The field is refused with this code, without a stack trace. */
export async function expectFieldRefused(
  app: RunningApp,
  field: string,
  token: string | undefined,
  code = 'FORBIDDEN',
): Promise<void> {
  const body = await graphql(app, `{ ${field} }`, token);
  expect(body.data).toBeNull();
  expect(body.errors[0].extensions.code).toBe(code);
  expect(JSON.stringify(body)).not.toContain('stacktrace');
}

/**
 * The app's OpenAPI document with the Cognito security applied, built before the describe's
 * tests, and its GET operations: `operation('/groups/all')`.
 */
export function useOpenApiDocument(app: () => INestApplication): {
  readonly document: () => any;
  readonly operation: (path: string) => any;
} {
  let document: any;
  beforeAll(() => {
    const config = addCognitoBearerAuth(new DocumentBuilder().setTitle('policies')).build();
    document = applyCognitoSecurity(SwaggerModule.createDocument(app(), config));
  });
  return { document: () => document, operation: (path) => document.paths[path].get };
}
