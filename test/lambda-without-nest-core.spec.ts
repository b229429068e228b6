/**
 * `nestjs-cognito-auth/lambda` runs without a Nest application: importing it, creating an
 * authorizer and verifying a token load no `@nestjs/core` module (ESM and CommonJS builds).
 * Child processes import the built package, so this needs `npm run build:lib` first (as `npm test` does).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createCognitoTestKit, type CognitoTestKit } from 'nestjs-cognito-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A resolve hook that fails any import that reaches @nestjs/core, naming the importer. */
const REFUSE_NEST_CORE = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/node_modules/@nestjs/core/')) {
    throw new Error('@nestjs/core was loaded, from ' + context.parentURL);
  }
  return resolved;
}`;
const REGISTER_HOOK = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(REFUSE_NEST_CORE)}));`;

/** Creates an authorizer from OPTIONS and answers one TOKEN event carrying TOKEN. */
const AUTHORIZE_ONCE = `
const { createCognitoAuthorizer } = await import('nestjs-cognito-auth/lambda');
const authorizer = createCognitoAuthorizer(JSON.parse(process.env.OPTIONS));
const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/me';
const result = await authorizer({ type: 'TOKEN', methodArn, authorizationToken: 'Bearer ' + process.env.TOKEN });
console.log(result.policyDocument.Statement[0].Effect);`;

async function runEsm(script: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(REGISTER_HOOK)}`, '--input-type=module', '-e', script],
    { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 },
  );
  return stdout.trim();
}

let kit: CognitoTestKit;

beforeAll(async () => {
  if (!existsSync(`${ROOT}/dist/lambda/index.js`) || !existsSync(`${ROOT}/dist/cjs/lambda/index.js`)) {
    throw new Error('The package is not built: run `npm run build:lib` first');
  }
  kit = await createCognitoTestKit();
});

afterAll(async () => {
  await kit?.close();
});

describe('nestjs-cognito-auth/lambda loads no @nestjs/core', () => {
  it('the hook that watches for @nestjs/core does catch it (the main entry loads it)', async () => {
    await expect(runEsm(`await import('nestjs-cognito-auth');`)).rejects.toThrow(/@nestjs\/core was loaded/);
  });

  it('ESM: import, create an authorizer, verify a real token (key-set download included)', async () => {
    const effect = await runEsm(AUTHORIZE_ONCE, {
      OPTIONS: JSON.stringify(kit.moduleOptions()),
      TOKEN: kit.accessToken(),
    });
    expect(effect).toBe('Allow');
  });

  it('CommonJS: no @nestjs/core module in the require cache', async () => {
    const script = `require('nestjs-cognito-auth/lambda');
      const nest = Object.keys(require.cache).filter((path) => path.includes('/node_modules/@nestjs/'));
      console.log(JSON.stringify({ core: nest.filter((path) => path.includes('/@nestjs/core/')).length, nest: nest.length }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT, timeout: 20_000 });
    const loaded = JSON.parse(stdout) as { core: number; nest: number };
    expect(loaded.nest).toBeGreaterThan(0); // @nestjs/common: the verifier's services are Nest injectables
    expect(loaded.core).toBe(0);
  });
});
