#!/usr/bin/env node
// clang-format over native/ with the repository's .clang-format:
//   --check  fails, listing the files, when one is not formatted (npm run lint)
//   --fix    rewrites them (npm run format)
// clang-format comes from Debian's package of that name (.ci/run installs it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--fix') {
  console.error('usage: node scripts/clang-format.js --check|--fix');
  process.exit(2);
}
const native = path.join(__dirname, '..', 'native');
const files = fs
  .readdirSync(native)
  .filter((f) => /\.(cc|h)$/.test(f))
  .sort()
  .map((f) => path.join(native, f));
const args = mode === '--fix' ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const result = spawnSync('clang-format', args, { stdio: 'inherit' });
if (result.error) {
  console.error(`clang-format: ${result.error.message} (install it: apt-get install clang-format)`);
  process.exit(1);
}
if (result.status !== 0 && mode === '--check') console.error('clang-format: run `npm run format` to fix native/');
process.exit(result.status ?? 1);
