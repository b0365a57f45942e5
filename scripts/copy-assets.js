#!/usr/bin/env node
// Runs after tsc (npm run build:ts). Copies into dist/ the files of lib/ that
// tsc does not emit but the package reads at run time: plain .js modules with
// their hand-written .d.ts (lib/helpers/format-size.js), and the flame graph page's
// .html, .css and .js (lib/faces/export/flamegraph/), which lib/faces/export/flamegraph.ts
// reads relative to its own directory.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const lib = path.join(root, 'lib');
const dist = path.join(root, 'dist');

/** Whether tsc leaves `file` (relative to lib/) out of dist/ though it is needed there. */
function isAsset(file) {
  if (file.endsWith('.d.ts')) return fs.existsSync(path.join(lib, `${file.slice(0, -'.d.ts'.length)}.js`));
  return !file.endsWith('.ts');
}

let copied = 0;
for (const file of fs.readdirSync(lib, { recursive: true })) {
  if (!fs.statSync(path.join(lib, file)).isFile() || !isAsset(file)) continue;
  fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
  fs.copyFileSync(path.join(lib, file), path.join(dist, file));
  copied++;
}
if (copied === 0) throw new Error(`no asset found under ${lib}`);
