// Zero-code activation never stops a node process: NODE_OPTIONS preloads
// register into every one (npm included). Without NODE_TRACEMALLOC it is
// untouched; when tracing cannot start, NODE_TRACEMALLOC_ON_ERROR decides.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/child';
import { filesIn, node, tempDir } from './helpers/cli';

const DIST = path.join(repoRoot, 'dist');
const REGISTER = path.join(DIST, 'register.js');
const MARKER = 'PROGRAM RAN';
// What the program reports: whether the addon's binary is mapped into the
// process, and which of the package's modules were loaded.
const PROGRAM = `
const dist = ${JSON.stringify(DIST + path.sep)};
const loaded = Object.keys(require.cache).filter((f) => f.startsWith(dist)).map((f) => f.slice(dist.length)).sort();
const addon = require('node:fs').readFileSync('/proc/self/maps', 'utf8').includes('tracemalloc.node');
console.log('${MARKER}', JSON.stringify({ addon, loaded }));
`;
const WARN_TAIL = '; running without tracing (NODE_TRACEMALLOC_ON_ERROR=fail stops instead)';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('register-errors');
});
afterEach(() => tmp.remove());

function ran(stdout: string): { addon: boolean; loaded: string[] } | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  return line === undefined ? undefined : JSON.parse(line.slice(MARKER.length + 1));
}

/**
 * A real copy of the package (package.json and dist/) without its binary:
 * no build/, no prebuilds/. Its dependencies are the repository's.
 */
function packageWithoutBinary(): string {
  const root = path.join(tmp.dir, 'node-tracemalloc');
  fs.mkdirSync(root);
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  fs.cpSync(DIST, path.join(root, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

describe('without NODE_TRACEMALLOC, register leaves the process untouched', () => {
  test('preloaded by NODE_OPTIONS: no addon, nothing but the check loaded, nothing said', () => {
    const result = node(['-e', PROGRAM], {
      env: { NODE_OPTIONS: `-r ${REGISTER}`, NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'x.ntm') },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const state = ran(result.stdout);
    expect(state?.addon).toBe(false);
    expect(state?.loaded).not.toContain('tracemalloc.js');
    expect(state?.loaded).not.toContain('native.js');
    expect(filesIn(tmp.dir, /\.ntm$/)).toEqual([]);
  });

  test('NODE_TRACEMALLOC empty is unset, as PYTHONTRACEMALLOC', () => {
    const result = node(['-r', REGISTER, '-e', PROGRAM], { env: { NODE_TRACEMALLOC: '' } });
    expect(result.stderr).toBe('');
    expect(ran(result.stdout)?.addon).toBe(false);
  });

  test('a package without its binary: every process still runs', () => {
    const register = path.join(packageWithoutBinary(), 'dist', 'register.js');
    const result = node(['-e', PROGRAM], { env: { NODE_OPTIONS: `-r ${register}` } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(ran(result.stdout)).toBeDefined();
  });
});

describe('tracing cannot start: NODE_TRACEMALLOC_ON_ERROR', () => {
  const NO_BINARY =
    /^node-tracemalloc: cannot start tracing: node-tracemalloc's native addon could not be loaded \(No native build was found/;

  test('no binary, by default: the program runs untraced after one line', () => {
    const register = path.join(packageWithoutBinary(), 'dist', 'register.js');
    const result = node(['-e', PROGRAM], { env: { NODE_OPTIONS: `-r ${register}`, NODE_TRACEMALLOC: '5' } });
    expect(result.status).toBe(0);
    expect(ran(result.stdout)?.addon).toBe(false);
    expect(result.stderr).toMatch(NO_BINARY);
    expect(result.stderr.endsWith(`${WARN_TAIL}\n`)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('no binary, NODE_TRACEMALLOC_ON_ERROR=fail: exit 1 before the program runs, one line', () => {
    const register = path.join(packageWithoutBinary(), 'dist', 'register.js');
    const result = node(['-e', PROGRAM], {
      env: { NODE_OPTIONS: `-r ${register}`, NODE_TRACEMALLOC: '5', NODE_TRACEMALLOC_ON_ERROR: 'fail' },
    });
    expect(result.status).toBe(1);
    expect(ran(result.stdout)).toBeUndefined();
    expect(result.stderr).toMatch(NO_BINARY);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  // npm itself is a node process: with a global NODE_OPTIONS it must still work (npm rebuild is the repair).
  const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  (fs.existsSync(npmCli) ? test : test.skip)('no binary: npm still runs', () => {
    const register = path.join(packageWithoutBinary(), 'dist', 'register.js');
    const result = node([npmCli, '--version'], {
      env: { NODE_OPTIONS: `-r ${register}`, NODE_TRACEMALLOC: '5' },
      cwd: tmp.dir,
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(result.stderr).toMatch(NO_BINARY);
  });

  test('--heap-prof holds V8 sampler: the program runs untraced, and --heap-prof still writes its profile', () => {
    const result = node(['--heap-prof', '--heap-prof-dir', tmp.dir, '-r', REGISTER, '-e', PROGRAM], {
      env: { NODE_TRACEMALLOC: '5', NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'x.ntm') },
    });
    expect(result.status).toBe(0);
    expect(ran(result.stdout)).toBeDefined();
    expect(result.stderr).toMatch(
      /^node-tracemalloc: cannot start tracing: V8's sampling heap profiler is already running/,
    );
    expect(result.stderr.endsWith(`${WARN_TAIL}\n`)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(filesIn(tmp.dir, /\.heapprofile$/)).toHaveLength(1);
    expect(filesIn(tmp.dir, /\.ntm$/)).toEqual([]);
  });

  test('--heap-prof, NODE_TRACEMALLOC_ON_ERROR=fail: exit 1', () => {
    const result = node(['--heap-prof', '--heap-prof-dir', tmp.dir, '-r', REGISTER, '-e', PROGRAM], {
      env: { NODE_TRACEMALLOC: '5', NODE_TRACEMALLOC_ON_ERROR: 'fail' },
    });
    expect(result.status).toBe(1);
    expect(ran(result.stdout)).toBeUndefined();
    expect(result.stderr).toMatch(
      /^node-tracemalloc: cannot start tracing: V8's sampling heap profiler is already running/,
    );
  });

  test('an unknown NODE_TRACEMALLOC_ON_ERROR is a bad setting itself: warned about, untraced', () => {
    const result = node(['-r', REGISTER, '-e', PROGRAM], {
      env: { NODE_TRACEMALLOC: '5', NODE_TRACEMALLOC_ON_ERROR: 'fial' },
    });
    expect(result.status).toBe(0);
    expect(ran(result.stdout)?.addon).toBe(false);
    expect(result.stderr).toBe(
      `node-tracemalloc: NODE_TRACEMALLOC_ON_ERROR: invalid value: "fial" (expected warn or fail)${WARN_TAIL}\n`,
    );
  });
});
