import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, get } from './support/http.js';
import { sampleAppEnv } from '../scripts/lib/sample-env.mjs';

const root = join(import.meta.dirname, '..');
const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const lockedVersion = (name: string): string => lockfile.packages[`node_modules/${name}`].version;

/** `npm pack` of the built library (npm test builds first), unpacked listing included. */
function pack(into: string): { tarball: string; files: string[] } {
  const [report] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: root, encoding: 'utf8' }),
  );
  return { tarball: join(into, report.filename), files: report.files.map((file: { path: string }) => file.path) };
}

/** A new Nest 12 app in a temporary folder that installs the tarball like a user would. */
function createFreshApp(dir: string, tarball: string): void {
  cpSync(join(root, 'test/fixtures/fresh-app'), dir, { recursive: true });
  const dependencies = Object.fromEntries(
    ['@nestjs/common', '@nestjs/core', '@nestjs/passport', '@nestjs/platform-express', '@nestjs/platform-fastify', 'reflect-metadata', 'rxjs']
      .map((name) => [name, lockedVersion(name)]),
  );
  const devDependencies = { typescript: lockedVersion('typescript'), '@types/node': lockedVersion('@types/node') };
  const manifest = { name: 'fresh-app', private: true, type: 'module', dependencies: { ...dependencies, 'nestjs-cognito-auth': `file:${tarball}` }, devDependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'pipe', timeout: 240_000 });
}

function startFreshApp(dir: string, kit: CognitoTestKit, adapter: string): Promise<{ child: ChildProcess; url: string }> {
  const env = {
    ...process.env,
    ...sampleAppEnv(kit, { HTTP_ADAPTER: adapter }),
  };
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fresh app did not start')), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const port = /LISTENING (\d+)/.exec(chunk.toString())?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}` });
      }
    });
    child.on('exit', (code) => reject(new Error(`fresh app exited with ${code}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
  });
}

describe('the published package in a fresh Nest app', () => {
  let workDir: string;
  let appDir: string;
  let packed: { tarball: string; files: string[] };
  let kit: CognitoTestKit;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'cognito-pack-'));
    appDir = join(workDir, 'app');
    packed = pack(workDir);
    createFreshApp(appDir, packed.tarball);
    kit = await createCognitoTestKit();
  }, 300_000);
  afterAll(async () => {
    await kit?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the LICENSE, the ESM and CommonJS builds with their types, and nothing else', () => {
    const entries = ['index', 'testing/index', 'swagger/index'];
    expect(packed.files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE', 'dist/cjs/package.json',
      ...entries.flatMap((entry) => [`dist/${entry}.js`, `dist/${entry}.d.ts`, `dist/cjs/${entry}.js`, `dist/cjs/${entry}.d.ts`]),
    ]));
    const unexpected = packed.files.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/cjs\/package\.json|dist\/.+\.(js|d\.ts))$/.test(file));
    expect(unexpected).toEqual([]);
    expect(readFileSync(join(appDir, 'node_modules/nestjs-cognito-auth/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 nestjs-cognito-auth contributors\n/);
    expect(JSON.parse(readFileSync(join(appDir, 'node_modules/nestjs-cognito-auth/dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('type-checks a user app against the published types', () => {
    const tsc = join(appDir, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir, stdio: 'pipe' })).not.toThrow();
  }, 120_000);

  it('can be required from CommonJS, which loads the CommonJS build of every entry', () => {
    const script = [
      'const m = require("nestjs-cognito-auth");',
      'const entries = ["nestjs-cognito-auth", "nestjs-cognito-auth/testing", "nestjs-cognito-auth/swagger"];',
      'console.log(typeof m.CognitoAuthModule.forRoot, entries.map((e) => require.resolve(e).replace(/^.*nestjs-cognito-auth\\//, "")).join(" "));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script], { cwd: appDir, encoding: 'utf8' });
    expect(out.trim()).toBe('function dist/cjs/index.js dist/cjs/testing/index.js dist/cjs/swagger/index.js');
  });

  it.each(['express', 'fastify'])('protects routes under %s with forRoot', async (adapter) => {
    const { child, url } = await startFreshApp(appDir, kit, adapter);
    try {
      expect((await get(`${url}/health`)).status).toBe(200);
      const anonymous = await get(`${url}/me`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      const me = await get(`${url}/me`, bearer(kit.accessToken({ username: 'carol', 'cognito:groups': ['ops'] })));
      expect(me.json()).toEqual({ username: 'carol', groups: ['ops'] });
    } finally {
      await stop(child);
    }
  }, 60_000);
});
