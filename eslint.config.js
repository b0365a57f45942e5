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
    ignores: [
      'dist/',
      'build/',
      'prebuilds/',
      'node_modules/',
      '.cache/',
      'wip/',
      'coverage/',
      'docs/api/',
      'test/fixtures/',
      'test-artifacts/',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    // Runs in the browser (the flame graph page), and format-size.js in both.
    files: ['lib/faces/export/flamegraph/*.js', 'lib/helpers/format-size.js'],
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
      // Deliberate: register loads nothing until NODE_TRACEMALLOC asks, the
      // inspector can be missing from a Node build, pprof-format is only
      // needed by the export: each is require()d where it is used.
      '@typescript-eslint/no-require-imports': 'off',
      // Async by contract (a command's handler, measureAsync), not by body.
      '@typescript-eslint/require-await': 'off',
      // Matching control characters is the point where names are escaped.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read what child processes print (JSON.parse) and assert on it:
      // the assertions are the type check there.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // `await null` makes a measured function really async at the least
      // cost (no promise of its own to count).
      '@typescript-eslint/await-thenable': 'off',
    },
  },
);
