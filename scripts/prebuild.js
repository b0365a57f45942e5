#!/usr/bin/env node
// Builds one prebuild per supported Node ABI into prebuilds/<platform>-<arch>/,
// each with that version's node and headers (from the npm registry, see
// scripts/lib/node-versions.js), named as node-gyp-build looks them up:
// node.abi<NODE_MODULE_VERSION>.node. V8's profiler API is outside Node-API,
// so a binary serves one ABI only; the addon refuses any other at load.
//
//   npm run prebuild                  every supported version
//   npm run prebuild -- --only 24     some of them
//
// Run at release time, before `npm pack`/`npm publish`; prebuilds/ is never committed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const versions = require('./lib/node-versions');

function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(
      'Usage: node scripts/prebuild.js [--only 20,22]\n\nWrites prebuilds/<platform>-<arch>/node.abi<N>.node for each supported Node.',
    );
    return;
  }
  const out = path.join(versions.root, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(out, { recursive: true });
  for (const { major, version } of versions.selectVersions(values.only)) {
    const nodeDir = versions.installNode(version);
    const abi = versions.abiOf(nodeDir);
    const dir = versions.stage(major);
    const warnings = versions.buildAddon(dir, nodeDir);
    if (warnings.length > 0)
      throw new Error(`the addon built with warnings on Node ${version}:\n${warnings.join('\n')}`);
    const file = path.join(out, `node.abi${abi}.node`);
    fs.copyFileSync(path.join(dir, 'build', 'Release', 'tracemalloc.node'), file);
    // Debug sections are most of the file; symbols stay for stack traces.
    execFileSync('strip', ['--strip-debug', file]);
    console.log(
      `Node ${version} (ABI ${abi}): ${path.relative(versions.root, file)} (${Math.round(fs.statSync(file).size / 1024)} KiB)`,
    );
  }
}

try {
  main();
} catch (error) {
  console.error(`prebuild: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
