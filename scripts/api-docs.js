#!/usr/bin/env node
// The API reference: TypeDoc (typedoc.config.js) writes docs/api/ from the
// TSDoc of every entry point. `--check` writes it to a temporary directory
// instead and fails, naming the pages, when the committed docs/api/ differs
// (npm run lint runs it; `npm run docs:api` brings the pages up to date).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const committed = path.join(root, 'docs', 'api');
const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

function pages(dir, prefix = '') {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? pages(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)]))
    .sort();
}

function generate(out) {
  execFileSync(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: root, stdio: 'inherit' });
}

if (!process.argv.includes('--check')) {
  generate(committed);
} else {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-api-docs-'));
  try {
    generate(tmp);
    const want = pages(tmp);
    const have = fs.existsSync(committed) ? pages(committed) : [];
    const stale = [...new Set([...want, ...have])].filter(
      (page) =>
        !want.includes(page) ||
        !have.includes(page) ||
        !fs.readFileSync(path.join(tmp, page)).equals(fs.readFileSync(path.join(committed, page))),
    );
    if (stale.length > 0) {
      console.error(`docs/api/ is out of date (run npm run docs:api): ${stale.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
