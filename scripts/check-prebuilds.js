#!/usr/bin/env node
// Proves the release path: `npm run prebuild`, then `npm pack`, then, on each
// supported Node, the tarball installed into a fresh project with no compiler
// on PATH loads its own prebuild and traces; and every prebuild refuses every
// other Node with ERR_TRACEMALLOC_ABI_MISMATCH.
//
//   npm run test:prebuilds                  build the prebuilds, then check
//   npm run test:prebuilds -- --no-build    check the prebuilds/ already there
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const versions = require('./lib/node-versions');

const npmCli = path.join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm', 'bin', 'npm-cli.js');
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python'];

// Runs in the fresh project: which binary loaded, and whether it traces.
const PROBE = `
const path = require('node:path');
const tm = require('node-tracemalloc');
const pkg = path.dirname(require.resolve('node-tracemalloc/package.json'));
const binary = require('node-gyp-build').path(pkg);
function makeRows() { const rows = []; for (let i = 0; i < 2000; i++) rows.push({ i, s: 'row' + i }); return rows; }
tm.start(1);
const kept = makeRows();
const snapshot = tm.takeSnapshot();
const top = snapshot.statistics('function')[0];
tm.stop();
// The flame graph reads its page files (dist/faces/export/flamegraph/) at run time.
const page = require('node-tracemalloc/export').toFlameGraphHtml(snapshot);
const flamegraph = page.includes('function startPage') && page.includes('function formatSize') && page.includes('"makeRows"');
console.log(JSON.stringify({ binary: path.relative(pkg, binary), top: top.traceback.at(0).functionName, count: top.count, kept: kept.length, flamegraph }));
`;

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`  ok: ${message}`);
}

/** A PATH with node and a shell but no compiler, make or python. */
function compilerlessPath(nodeDir, tmp) {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of ['sh', 'env', 'tar', 'git']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found && !fs.existsSync(path.join(bin, tool))) fs.symlinkSync(found, path.join(bin, tool));
  }
  return `${path.join(nodeDir, 'bin')}${path.delimiter}${bin}`;
}

function main() {
  const { values } = parseArgs({ options: { 'no-build': { type: 'boolean' } } });
  const all = versions.supportedVersions();
  if (!values['no-build']) execFileSync(process.execPath, [path.join(__dirname, 'prebuild.js')], { stdio: 'inherit' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracemalloc-prebuilds-'));
  let failures = 0;
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], {
      cwd: versions.root,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop();
    const tgz = path.join(tmp, tarball);
    const listing = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' });
    const nodes = all
      .map((v) => ({ ...v, dir: versions.installNode(v.version) }))
      .map((v) => ({ ...v, abi: versions.abiOf(v.dir) }));
    console.log(`${tarball}:`);
    for (const v of nodes)
      check(
        listing.includes(`package/prebuilds/linux-x64/node.abi${v.abi}.node`),
        `the tarball holds the prebuild for Node ${v.version} (ABI ${v.abi})`,
      );
    check(!listing.includes('package/build/'), 'the tarball holds no build/');
    for (const file of [
      'dist/helpers/format-size.js',
      'dist/faces/export/flamegraph/page.html',
      'dist/faces/export/flamegraph/page.css',
      'dist/faces/export/flamegraph/page.js',
    ]) {
      check(listing.includes(`package/${file}`), `the tarball holds ${file}`);
    }
    for (const v of nodes) {
      console.log(`Node ${v.version}:`);
      try {
        const project = path.join(tmp, `project-${v.major}`);
        fs.mkdirSync(project);
        fs.writeFileSync(
          path.join(project, 'package.json'),
          JSON.stringify({ name: `probe-${v.major}`, version: '1.0.0', private: true }),
        );
        const env = { ...process.env, PATH: compilerlessPath(v.dir, tmp), npm_config_nodedir: '' };
        const hidden = COMPILERS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status === 0);
        check(
          hidden.length === 0,
          `no compiler, make or python on PATH${hidden.length ? ` (found ${hidden.join(', ')})` : ''}`,
        );
        const node = path.join(v.dir, 'bin', 'node');
        const install = spawnSync(
          node,
          [npmCli, 'install', tgz, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
          { cwd: project, env, encoding: 'utf8' },
        );
        check(
          install.status === 0,
          `npm install of the tarball succeeds${install.status === 0 ? '' : `:\n${install.stdout}\n${install.stderr}`}`,
        );
        check(
          !fs.existsSync(path.join(project, 'node_modules', 'node-tracemalloc', 'build')),
          'nothing was compiled (no build/)',
        );
        const run = spawnSync(node, ['-e', PROBE], { cwd: project, env, encoding: 'utf8' });
        check(run.status === 0, `it loads and traces${run.status === 0 ? '' : `:\n${run.stderr}`}`);
        const probe = JSON.parse(run.stdout.trim().split('\n').pop());
        check(
          probe.binary === `prebuilds/linux-x64/node.abi${v.abi}.node`,
          `it loaded its own prebuild (${probe.binary})`,
        );
        check(
          probe.top === 'makeRows' && probe.count >= 2000,
          `the top function is makeRows with ${probe.count} allocations (exact)`,
        );
        check(probe.flamegraph, 'it writes a flame graph from its page files');
        for (const other of nodes.filter((o) => o.abi !== v.abi)) {
          const file = path.join(
            project,
            'node_modules',
            'node-tracemalloc',
            'prebuilds',
            'linux-x64',
            `node.abi${other.abi}.node`,
          );
          const refused = spawnSync(
            node,
            [
              '-e',
              `try { require(${JSON.stringify(file)}); console.log('LOADED'); } catch (e) { console.log(e.code, e.message); }`,
            ],
            { env, encoding: 'utf8' },
          );
          check(
            refused.stdout.startsWith('ERR_TRACEMALLOC_ABI_MISMATCH'),
            `the ABI ${other.abi} prebuild is refused: ${refused.stdout.trim()}`,
          );
        }
      } catch (error) {
        failures++;
        console.log(`  FAILED: ${error.message}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`prebuilds: ${all.length - failures} passed, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = main();
