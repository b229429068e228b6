// Lint rules for the library, its tests, the sample app and the scripts. Formatting is
// Prettier's job (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'sample-app/dist/**',
      'node_modules/**',
      'test/fixtures/**',
      'coverage/**',
      '.cache/**',
      'bench-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Nest request objects are untyped across Express, Fastify, GraphQL and socket.io.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules and decorators are classes with static members only, by convention.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  prettier,
);
