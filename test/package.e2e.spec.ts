/**
 * The published package: what the tarball holds, and the tarball installed into a Nest 12 ESM
 * app as `nest new` makes it (test/fixtures/nest12-esm: type module, vitest + supertest), which
 * type-checks (library declarations included), runs compiled on both adapters, and passes its
 * own vitest specs (the testing kit's downloaded key set, `kit.overrideKeys` with the app's
 * fallback policy, `toHttpException`) on Node 20, 22 and 24.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAppEnv } from '../scripts/lib/sample-env.mjs';
import {
  type ConsumerApp,
  nodeBinary,
  packLibrary,
  type PackedLibrary,
  prepareConsumerApp,
  run,
  startApp,
  stopApp,
} from './support/consumer-apps.js';
import { bearer, get } from './support/http.js';

describe('the published package in a Nest 12 ESM app', () => {
  let workDir: string;
  let packed: PackedLibrary;
  let app: ConsumerApp;
  let kit: CognitoTestKit;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'cognito-pack-'));
    packed = await packLibrary(workDir);
    [app, kit] = await Promise.all([prepareConsumerApp('nest12-esm', packed.tarball), createCognitoTestKit()]);
  }, 600_000);
  afterAll(async () => {
    await kit?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the LICENSE, the CHANGELOG, the ESM and CommonJS builds with their types, and nothing else', () => {
    const entries = ['index', 'testing/index', 'swagger/index', 'lambda/index'];
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'LICENSE',
        'dist/cjs/package.json',
        ...entries.flatMap((entry) => [
          `dist/${entry}.js`,
          `dist/${entry}.d.ts`,
          `dist/cjs/${entry}.js`,
          `dist/cjs/${entry}.d.ts`,
        ]),
      ]),
    );
    const unexpected = packed.files.filter(
      (file) =>
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/cjs\/package\.json|dist\/.+\.(js|d\.ts))$/.test(file),
    );
    expect(unexpected).toEqual([]);
    const installed = join(app.dir, 'node_modules/nestjs-cognito-auth');
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 nestjs-cognito-auth contributors\n/,
    );
    expect(JSON.parse(readFileSync(join(installed, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('type-checks the app and its specs against the published types (library types checked too), and builds', async () => {
    await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json', '--skipLibCheck', 'false'], { cwd: app.dir });
    await run('npm', ['run', 'build'], { cwd: app.dir });
  }, 300_000);

  it('can be required from CommonJS, which loads the CommonJS build of every entry', () => {
    const script = [
      'const m = require("nestjs-cognito-auth");',
      'const entries = ["nestjs-cognito-auth", "nestjs-cognito-auth/testing", "nestjs-cognito-auth/swagger", "nestjs-cognito-auth/lambda"];',
      'console.log(typeof m.CognitoAuthModule.forRoot, entries.map((e) => require.resolve(e).replace(/^.*nestjs-cognito-auth\\//, "")).join(" "));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script], { cwd: app.dir, encoding: 'utf8' });
    expect(out.trim()).toBe(
      'function dist/cjs/index.js dist/cjs/testing/index.js dist/cjs/swagger/index.js dist/cjs/lambda/index.js',
    );
  });

  it.each(['express', 'fastify'])(
    'protects routes under %s when compiled',
    async (adapter) => {
      const env = sampleAppEnv(kit, { HTTP_ADAPTER: adapter });
      const { child, url } = await startApp(app.dir, 'dist/main.js', { env });
      try {
        expect((await get(`${url}/`)).status).toBe(200);
        const anonymous = await get(`${url}/me`);
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers['www-authenticate']).toBe('Bearer');
        const me = await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol', 'cognito:groups': ['staff'] })));
        expect(me.json()).toEqual({ username: 'carol', groups: ['staff'] });
        // The app's fallback policy: a valid token without its group.
        expect((await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol' })))).status).toBe(403);
      } finally {
        await stopApp(child);
      }
    },
    60_000,
  );

  it.each([20, 22, 24])(
    'passes its own vitest unit and e2e specs on Node %i',
    async (major) => {
      const node = await nodeBinary(major);
      expect((await run('node', ['--version'], { cwd: app.dir, node })).stdout).toMatch(new RegExp(`^v${major}\\.`));
      const unit = await run('npm', ['test'], { cwd: app.dir, node });
      expect(unit.stdout).toMatch(/Tests\s+2 passed \(2\)/);
      const e2e = await run('npm', ['run', 'test:e2e'], { cwd: app.dir, node });
      expect(e2e.stdout).toMatch(/Test Files\s+2 passed \(2\)/);
    },
    180_000,
  );
});
