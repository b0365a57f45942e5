// Output paths: a dump path that could never be written (a directory, a
// device, a read-only directory) is refused when tracing is configured, not
// lost at exit; exports replace a symlink instead of overwriting its target,
// and still write into a device or pipe the user names.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputPathProblem, writesThrough } from '../lib/helpers/output-path';
import { dumpSnapshot } from '../lib/model/dump';
import { Snapshot } from '../lib/model/snapshot';
import { repoRoot } from './helpers/child';
import { cleanEnv, cli, cliFixtures, node, tempDir } from './helpers/cli';

const CJS = path.join(cliFixtures, 'alloc.js');
const MARKER = 'USER CODE RAN';
const posixTest = process.platform === 'win32' ? test.skip : test;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('output');
});
afterEach(() => tmp.remove());

/** `node -r register alloc.js` with these settings; NODE_TRACEMALLOC_ON_ERROR=fail unless `extra` says otherwise. */
function traced(output: string, extra: NodeJS.ProcessEnv = {}): ReturnType<typeof node> {
  return node(['-r', 'node-tracemalloc/register', CJS], {
    env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_OUTPUT: output, NODE_TRACEMALLOC_ON_ERROR: 'fail', ...extra },
  });
}

describe('a dump path is checked when tracing starts', () => {
  test('a directory as the file: one line says why; the program does not run (fail) or runs untraced (warn)', () => {
    const result = traced(tmp.dir);
    expect(result.stdout).not.toContain(MARKER);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: ${tmp.dir} is a directory\n`);
    // The default policy: the program runs, untraced, after the same line.
    const untraced = traced(tmp.dir, { NODE_TRACEMALLOC_ON_ERROR: undefined });
    expect(untraced.stdout).toContain(MARKER);
    expect(untraced.status).toBe(0);
    expect(untraced.stderr).toBe(
      `node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: ${tmp.dir} is a directory; running without tracing (NODE_TRACEMALLOC_ON_ERROR=fail stops instead)\n`,
    );
  });

  posixTest('a FIFO or device as the file: refused (a dump renames over its path, and would replace it)', () => {
    // A FIFO of our own, never /dev/null: were the check to regress, the dump
    // at exit would replace the node it names.
    const fifo = path.join(tmp.dir, 'pipe.ntm');
    execFileSync('mkfifo', [fifo]);
    const result = traced(fifo);
    expect(result.stdout).not.toContain(MARKER);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: ${fifo} is a FIFO, not a regular file\n`);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(outputPathProblem('/dev/null')).toBe('/dev/null is a character device, not a regular file');
  });

  posixTest('a directory the process cannot write to', () => {
    const readOnly = path.join(tmp.dir, 'ro');
    fs.mkdirSync(readOnly, { mode: 0o755 });
    let packageDir = repoRoot;
    let nodeBinary = process.execPath;
    const env = cleanEnv({
      NODE_TRACEMALLOC: '1',
      NODE_TRACEMALLOC_OUTPUT: path.join(readOnly, 'heap.ntm'),
      NODE_TRACEMALLOC_ON_ERROR: 'fail',
    });
    let asUser: { uid?: number; gid?: number } = {};
    if (process.getuid?.() === 0) {
      // root writes anywhere: run the program as nobody, who may read but not write ro/.
      fs.chmodSync(tmp.dir, 0o755);
      asUser = { uid: 65534, gid: 65534 };
      // A checkout in a private directory (mktemp -d makes them 0700) is not
      // nobody's to read: a world-readable copy of the built package is.
      // The check refuses the path before anything outside dist/ loads.
      packageDir = path.join(tmp.dir, 'package');
      fs.cpSync(path.join(repoRoot, 'dist'), path.join(packageDir, 'dist'), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(packageDir, 'package.json'));
      execFileSync('chmod', ['-R', 'a+rX', packageDir]);
      // The node running the tests may sit in such a directory too (the
      // version matrix's, under the checkout): then nobody runs a copy.
      if (!othersCanRun(process.execPath)) {
        nodeBinary = path.join(packageDir, 'node');
        fs.copyFileSync(process.execPath, nodeBinary);
        fs.chmodSync(nodeBinary, 0o755);
      }
    } else {
      fs.chmodSync(readOnly, 0o555);
    }
    const script = `require(${JSON.stringify(path.join(packageDir, 'dist', 'register.js'))}); console.log('${MARKER}')`;
    const result = spawnSync(nodeBinary, ['-e', script], {
      cwd: tmp.dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
      ...asUser,
    });
    expect(result.stdout).not.toContain(MARKER);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: directory ${readOnly} is not writable (permission denied)\n`,
    );
    expect(fs.readdirSync(readOnly)).toEqual([]);
  });

  test('tracemalloc run --output <directory> exits 2 before the program runs', () => {
    const result = cli(['run', '-o', tmp.dir, CJS], { cwd: tmp.dir });
    expect(result.status).toBe(2);
    expect(result.stdout).not.toContain(MARKER);
    expect(result.stderr).toBe(`tracemalloc run: --output: ${tmp.dir} is a directory (try tracemalloc run --help)\n`);
  });

  test('a writable path passes, and the check leaves no file behind', () => {
    expect(outputPathProblem(path.join(tmp.dir, 'heap.ntm'))).toBeUndefined();
    fs.writeFileSync(path.join(tmp.dir, 'old.ntm'), 'x');
    expect(outputPathProblem(path.join(tmp.dir, 'old.ntm'))).toBeUndefined();
    expect(fs.readdirSync(tmp.dir)).toEqual(['old.ntm']);
    expect(outputPathProblem(path.join(tmp.dir, 'none', 'heap.ntm'))).toBe(
      `directory ${path.join(tmp.dir, 'none')} does not exist`,
    );
    expect(outputPathProblem(path.join(tmp.dir, 'old.ntm', 'heap.ntm'))).toBe(
      `${path.join(tmp.dir, 'old.ntm')} is not a directory`,
    );
  });
});

describe('export -o', () => {
  let dump: string;
  beforeEach(() => {
    dump = path.join(tmp.dir, 'heap.ntm');
    dumpSnapshot(
      Snapshot.fromTraces(
        [{ domain: 0, size: 64, frames: [{ filename: '/app/a.js', lineno: 1, functionName: 'f' }] }],
        1,
      ),
      dump,
    );
  });

  posixTest('replaces a symlink with the export, leaving the file it pointed to untouched', () => {
    const precious = path.join(tmp.dir, 'precious.txt');
    fs.writeFileSync(precious, 'keep me\n');
    const link = path.join(tmp.dir, 'out.collapsed');
    fs.symlinkSync(precious, link);
    const result = cli(['export', dump, '-o', 'out.collapsed'], { cwd: tmp.dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(fs.readFileSync(precious, 'utf8')).toBe('keep me\n');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(link, 'utf8')).toBe('f (/app/a.js:1) 64\n');
    expect(fs.readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  posixTest('flamegraph -o does the same', () => {
    const precious = path.join(tmp.dir, 'precious.html');
    fs.writeFileSync(precious, 'keep me\n');
    fs.symlinkSync(precious, path.join(tmp.dir, 'graph.html'));
    expect(cli(['flamegraph', dump, '-o', 'graph.html'], { cwd: tmp.dir }).status).toBe(0);
    expect(fs.readFileSync(precious, 'utf8')).toBe('keep me\n');
    expect(fs.readFileSync(path.join(tmp.dir, 'graph.html'), 'utf8')).toContain('<html');
  });

  posixTest('writes into a device or a /dev/stdout-style link instead of replacing it', () => {
    expect(writesThrough('/dev/null')).toBe(true);
    expect(writesThrough('/dev/stdout')).toBe(true);
    expect(writesThrough(path.join(tmp.dir, 'new.json'))).toBe(false);
    // Through a link of our own to /dev/null: were this to regress, the link is what gets replaced.
    const link = path.join(tmp.dir, 'null');
    fs.symlinkSync('/dev/null', link);
    const result = cli(['export', dump, '--format', 'json', '-o', link], { cwd: tmp.dir });
    expect(result.status).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  test('a directory as the output: exit 1, one line', () => {
    fs.mkdirSync(path.join(tmp.dir, 'out.json'));
    const result = cli(['export', dump, '-o', 'out.json'], { cwd: tmp.dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('tracemalloc export: cannot write out.json: is a directory\n');
  });
});

/** Whether a user other than the owner may run `file`: it and every folder above it grant "others" x. */
function othersCanRun(file: string): boolean {
  for (let p = file; ; p = path.dirname(p)) {
    if ((fs.statSync(p).mode & 0o001) === 0) return false;
    if (path.dirname(p) === p) return true;
  }
}
