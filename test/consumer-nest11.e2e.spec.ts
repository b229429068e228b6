/**
 * The packed library in Nest 11 CommonJS apps as `nest new` makes them (test/fixtures/nest11-*):
 * installed without pins it brings no Nest 12 package, TypeScript resolves every entry and
 * checks the library's declarations, the compiled app runs, and the apps' own jest unit and
 * e2e specs (the testing kit's downloaded key set, `kit.overrideKeys`, `toHttpException`, a
 * gateway without `@UseGuards`) pass with the starter's jest configuration, on several Node
 * versions.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAppEnv } from '../scripts/lib/sample-env.mjs';
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
  { fixture: 'nest11-commonjs', setup: 'module commonjs, jest 29', nodes: [20], e2eSuites: 2, gateway: true },
  {
    fixture: 'nest11-nodenext',
    setup: 'module nodenext, jest 30, TypeScript 5.8',
    nodes: [24],
    e2eSuites: 2,
    gateway: false,
  },
];

/** Every `@nestjs/*` package of an installed app, with its version, wherever npm put it. */
function installedNestPackages(dir: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string) => {
    const scope = join(nodeModules, '@nestjs');
    if (existsSync(scope)) {
      for (const name of readdirSync(scope)) {
        const manifest = join(scope, name, 'package.json');
        if (!existsSync(manifest)) continue;
        found.push(`@nestjs/${name}@${JSON.parse(readFileSync(manifest, 'utf8')).version}`);
        if (existsSync(join(scope, name, 'node_modules'))) visit(join(scope, name, 'node_modules'));
      }
    }
    for (const entry of readdirSync(nodeModules)) {
      const nested = join(nodeModules, entry, 'node_modules');
      if (!entry.startsWith('@') && existsSync(nested)) visit(nested);
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

/** Types from each entry of the package: TS2307 if TypeScript cannot resolve one. */
const ENTRIES_PROBE = [
  "import type { CognitoAuthModule } from 'nestjs-cognito-auth';",
  "import type { CognitoTestKit } from 'nestjs-cognito-auth/testing';",
  "import type { ApplyCognitoSecurityOptions } from 'nestjs-cognito-auth/swagger';",
  "import type { CognitoAuthorizerOptions } from 'nestjs-cognito-auth/lambda';",
  'export type Entries = [CognitoAuthModule, CognitoTestKit, ApplyCognitoSecurityOptions, CognitoAuthorizerOptions];',
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

describe.each(APPS)('a Nest 11 CommonJS app ($setup)', ({ fixture, nodes, e2eSuites, gateway }) => {
  let app: ConsumerApp;

  beforeAll(async () => {
    app = await prepareConsumerApp(fixture, tarball);
  }, 600_000);

  it('installed without pins, has no Nest 12 package in its lockfile or node_modules', () => {
    const lock = JSON.parse(readFileSync(join(app.dir, 'package-lock.json'), 'utf8'));
    const locked = Object.entries<{ version: string }>(lock.packages)
      .filter(([path]) => /(^|\/)node_modules\/@nestjs\/[^/]+$/.test(path))
      .map(([path, { version }]) => `${path.replace(/^.*node_modules\//, '')}@${version}`);
    const installed = installedNestPackages(app.dir);
    expect(locked).toContain(`@nestjs/core@${lock.packages['node_modules/@nestjs/core'].version}`);
    expect(installed.length).toBeGreaterThan(3);
    expect([...locked, ...installed].filter((entry) => !/@11\./.test(entry))).toEqual([]);
  });

  it('type-checks its sources and specs, an import of every entry and the library declarations (skipLibCheck false), and builds', async () => {
    // tsconfig.json takes every .ts file of the app; tsconfig.build.json leaves test/ out.
    writeFileSync(join(app.dir, 'test/entries.ts'), ENTRIES_PROBE);
    await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json', '--skipLibCheck', 'false'], { cwd: app.dir });
    await run('npm', ['run', 'build'], { cwd: app.dir });
  }, 300_000);

  it.each(nodes)(
    'passes its own jest unit and e2e specs on Node %i',
    async (major) => {
      const node = await nodeBinary(major);
      expect((await run('node', ['--version'], { cwd: app.dir, node })).stdout).toMatch(new RegExp(`^v${major}\\.`));
      const unit = await run('npm', ['test'], { cwd: app.dir, node });
      expect(unit.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
      const e2e = await run('npm', ['run', 'test:e2e', '--', '--testPathIgnorePatterns', 'gateway'], {
        cwd: app.dir,
        node,
      });
      expect(e2e.stderr).toMatch(new RegExp(`Test Suites:\\s+${e2eSuites} passed, ${e2eSuites} total`));
    },
    300_000,
  );

  it.runIf(gateway)(
    'guards every message of a gateway without @UseGuards (its jest e2e spec)',
    async () => {
      const e2e = await run('npm', ['run', 'test:e2e', '--', 'gateway'], {
        cwd: app.dir,
        node: await nodeBinary(nodes[0]),
      });
      expect(e2e.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
    },
    120_000,
  );

  it.each(['express', 'fastify'])(
    'runs compiled under %s, with keys from the JWKS URL',
    async (adapter) => {
      const env = sampleAppEnv(kit, { HTTP_ADAPTER: adapter });
      const { child, url } = await startApp(app.dir, 'dist/main.js', { node: await nodeBinary(nodes[0]), env });
      try {
        expect((await get(`${url}/`)).body).toBe('Hello World!');
        expect((await get(`${url}/me`)).status).toBe(401);
        const me = await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol', 'cognito:groups': ['staff'] })));
        expect(me.json()).toEqual({ username: 'carol', groups: ['staff'] });
        expect((await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol' })))).status).toBe(403);
        const staff = kit.accessToken({ username: 'carol', 'cognito:groups': ['staff'] });
        expect((await get(`${url}/admin`, bearer(staff))).status).toBe(403);
      } finally {
        await stopApp(child);
      }
    },
    60_000,
  );
});
