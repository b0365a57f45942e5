// ESLint: typescript-eslint's recommended, type-aware rules for lib/ and
// test/; the recommended JS rules for scripts, benches, examples and the
// flame graph page. Formatting is Prettier's (npm run lint runs both).
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

module.exports = tseslint.config(
  {
    // test/fixtures/ are the programs under test: shaped by what they test
    // (allocation patterns, hostile names, line numbers), not by style.
    ignores: ['dist/', 'build/', 'prebuilds/', 'node_modules/', '.cache/', 'wip/', 'coverage/', 'docs/api/', 'test/fixtures/', 'test-artifacts/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    // Runs in the browser (the flame graph page), and format-size.js in both.
    files: ['lib/export/flamegraph/*.js', 'lib/format-size.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // expect(x!.y) after expect(x).toBeDefined() is the idiom the tests use.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
