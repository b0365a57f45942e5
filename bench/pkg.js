// The package as the bench children load it: a private copy of dist/ and the
// built addon, made once per `npm run bench`, so that a rebuild of dist/ or
// build/ by someone working in the tree meanwhile cannot mix two builds
// inside one run (it did: a child loaded half-rewritten dist/ files).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');

/** Root of the package copy (what `require(root)` loads); creates it on first use in this process tree. */
function packageRoot() {
  if (process.env.NTM_BENCH_PKG) return process.env.NTM_BENCH_PKG;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-bench-pkg-'));
  fs.cpSync(path.join(repo, 'dist'), path.join(root, 'dist'), { recursive: true });
  fs.mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(
    path.join(repo, 'build', 'Release', 'tracemalloc.node'),
    path.join(root, 'build', 'Release', 'tracemalloc.node'),
  );
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  process.env.NTM_BENCH_PKG = root; // inherited by every child
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

module.exports = { packageRoot };
