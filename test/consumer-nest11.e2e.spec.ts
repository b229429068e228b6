/**
 * The packed library in Nest 11 CommonJS apps as `nest new` makes them (test/fixtures/nest11-*):
 * TypeScript resolves every entry, the compiled app runs, and the apps' own jest unit and e2e
 * specs pass with the starter's jest configuration, on several Node versions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerApp,
  nodeBinary,
  packLibrary,
  prepareConsumerApp,
  run,
  startApp,
  stopApp,
} from './support/consumer-apps.js';
import { bearer, get } from './support/http.js';

const APPS = [
  { fixture: 'nest11-commonjs', setup: 'module commonjs, jest 29', nodes: [20] },
  { fixture: 'nest11-nodenext', setup: 'module nodenext, jest 30, TypeScript 5.8', nodes: [24] },
];

/** Types from each entry of the package: TS2307 if TypeScript cannot resolve one. */
const ENTRIES_PROBE = [
  "import type { CognitoAuthModule } from 'nestjs-cognito-auth';",
  "import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';",
  "import type { ApplyCognitoSecurityOptions } from 'nestjs-cognito-auth/swagger';",
  'export type Entries = [CognitoAuthModule, CognitoTestKit, ApplyCognitoSecurityOptions];',
  '',
].join('\n');

let workDir: string;
let tarball: string;
let kit: CognitoTestKit;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'cognito-nest11-'));
  [{ tarball }, kit] = await Promise.all([packLibrary(workDir), createCognitoTestKit()]);
}, 120_000);

afterAll(async () => {
  await kit?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.each(APPS)('a Nest 11 CommonJS app ($setup)', ({ fixture, nodes }) => {
  let app: ConsumerApp;

  beforeAll(async () => {
    app = await prepareConsumerApp(fixture, tarball);
  }, 600_000);

  it('type-checks its sources and specs, and an import of every entry, and builds against the published types', async () => {
    // tsconfig.json takes every .ts file of the app; tsconfig.build.json leaves test/ out.
    writeFileSync(join(app.dir, 'test/entries.ts'), ENTRIES_PROBE);
    await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { cwd: app.dir });
    await run('npm', ['run', 'build'], { cwd: app.dir });
  }, 120_000);

  it.each(nodes)(
    'passes its own jest unit and e2e specs on Node %i',
    async (major) => {
      const node = await nodeBinary(major);
      expect((await run('node', ['--version'], { cwd: app.dir, node })).stdout).toMatch(new RegExp(`^v${major}\\.`));
      const unit = await run('npm', ['test'], { cwd: app.dir, node });
      expect(unit.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
      const e2e = await run('npm', ['run', 'test:e2e'], { cwd: app.dir, node });
      expect(e2e.stderr).toMatch(/Test Suites:\s+2 passed, 2 total/);
    },
    300_000,
  );

  it.each(['express', 'fastify'])(
    'runs compiled under %s, with keys from the JWKS URL',
    async (adapter) => {
      const env = {
        HTTP_ADAPTER: adapter,
        COGNITO_REGION: kit.region,
        COGNITO_USER_POOL_ID: kit.userPoolId,
        COGNITO_CLIENT_ID: kit.clientId,
        COGNITO_ISSUER: kit.issuer,
        COGNITO_JWKS_URI: kit.jwksUri,
      };
      const { child, url } = await startApp(app.dir, 'dist/main.js', { node: await nodeBinary(nodes[0]), env });
      try {
        expect((await get(`${url}/`)).body).toBe('Hello World!');
        expect((await get(`${url}/me`)).status).toBe(401);
        const me = await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol', 'cognito:groups': ['ops'] })));
        expect(me.json()).toEqual({ username: 'carol', groups: ['ops'] });
        expect((await get(`${url}/admin`, bearer(kit.accessToken({ username: 'carol' })))).status).toBe(403);
      } finally {
        await stopApp(child);
      }
    },
    60_000,
  );
});
