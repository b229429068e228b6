import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
    }),
  ],
  resolve: {
    alias: [
      { find: /^nestjs-cognito-auth\/testing$/, replacement: fromRoot('./lib/testing/index.ts') },
      { find: /^nestjs-cognito-auth\/swagger$/, replacement: fromRoot('./lib/swagger/index.ts') },
      { find: /^nestjs-cognito-auth\/lambda$/, replacement: fromRoot('./lib/lambda/index.ts') },
      { find: /^nestjs-cognito-auth$/, replacement: fromRoot('./lib/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.spec.ts'],
    // The consumer fixtures are separate apps with their own test runners (jest, vitest).
    exclude: ['test/fixtures/**', '**/node_modules/**'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
