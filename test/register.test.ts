// Zero-code activation: `node -r node-tracemalloc/register` and `node --import
// node-tracemalloc/register`, configured by NODE_TRACEMALLOC* variables.
import * as path from 'node:path';
import { loadSnapshot } from '../lib/model/dump';
import type { Snapshot } from '../lib/model/snapshot';
import { cliFixtures, filesIn, node, nodeWithSignal, tempDir } from './helpers/cli';

const CJS = path.join(cliFixtures, 'alloc.js');
const ESM = path.join(cliFixtures, 'alloc.mjs');
const MARKER = 'USER CODE RAN';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('register');
});
afterEach(() => tmp.remove());

/** Bytes and objects attributed to `name` as the most recent frame. */
function sizeOf(snapshot: Snapshot, name: string): { size: number; count: number } {
  const stat = snapshot.statistics('function').find((s) => s.traceback.at(-1)?.functionName === name);
  return { size: stat?.size ?? 0, count: stat?.count ?? 0 };
}

function onlyDump(): Snapshot {
  const dumps = filesIn(tmp.dir, /\.ntm$/);
  expect(dumps).toHaveLength(1);
  return loadSnapshot(dumps[0]);
}

function programOutput(stdout: string): { args: string[]; tracing?: boolean; frames?: number; interval?: number } {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (line === undefined) throw new Error(`the program did not run:\n${stdout}`);
  return JSON.parse(line.slice(MARKER.length + 1));
}

describe('activation', () => {
  test('-r node-tracemalloc/register traces a CommonJS program from its first line, with NODE_TRACEMALLOC frames', () => {
    const out = path.join(tmp.dir, 'heap.%p.ntm');
    const result = node(['-r', 'node-tracemalloc/register', CJS, 'a', 'b'], {
      env: { NODE_TRACEMALLOC: '25', NODE_TRACEMALLOC_INTERVAL: '1', NODE_TRACEMALLOC_OUTPUT: out, SHOW_STATE: '1' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(programOutput(result.stdout)).toEqual({ args: ['a', 'b'], tracing: true, frames: 25, interval: 1 });
    const dumps = filesIn(tmp.dir, /^heap\.\d+\.ntm$/);
    expect(dumps).toHaveLength(1);
    const snapshot = loadSnapshot(dumps[0]);
    expect(snapshot.tracebackLimit).toBe(25);
    expect(snapshot.exact).toBe(true);
    // 15,000 objects kept, every one recorded: tracing began before main() ran.
    expect(sizeOf(snapshot, 'makeObjects').count).toBeGreaterThanOrEqual(15000);
    const traceback = snapshot.statistics('traceback').find((s) => s.traceback.at(-1)?.functionName === 'makeObjects');
    expect(traceback?.traceback.at(-2)?.functionName).toBe('main');
  });

  test('--import node-tracemalloc/register traces an ES module', () => {
    const result = node(['--import', 'node-tracemalloc/register', ESM], {
      env: {
        NODE_TRACEMALLOC: '3',
        NODE_TRACEMALLOC_INTERVAL: '1',
        NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'esm.ntm'),
      },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(programOutput(result.stdout)).toEqual({ esm: true, args: [] });
    const snapshot = loadSnapshot(path.join(tmp.dir, 'esm.ntm'));
    expect(snapshot.tracebackLimit).toBe(3);
    const stat = snapshot.statistics('lineno').find((s) => s.traceback.at(-1)?.functionName === 'makeObjects');
    expect(stat?.traceback.at(-1)?.filename).toBe(ESM); // a path, not a file URL
    expect(stat?.count).toBeGreaterThanOrEqual(10000);
  });

  test('NODE_TRACEMALLOC=1 without other settings: V8 default interval', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], { env: { NODE_TRACEMALLOC: '1', SHOW_STATE: '1' } });
    expect(result.status).toBe(0);
    expect(programOutput(result.stdout)).toMatchObject({ tracing: true, frames: 1, interval: 512 * 1024 });
  });

  test('without NODE_TRACEMALLOC: not tracing (test/register-errors.test.ts: untouched)', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'x.ntm') },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(filesIn(tmp.dir, /./)).toEqual([]);
  });

  test('NODE_TRACEMALLOC=0 turns it off: nothing traced, nothing written', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC: '0', NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'x.ntm'), SHOW_STATE: '1' },
    });
    expect(result.status).toBe(0);
    expect(programOutput(result.stdout)).toMatchObject({ tracing: false });
    expect(filesIn(tmp.dir, /./)).toEqual([]);
  });

  test('NODE_TRACEMALLOC_INTERVAL takes K/M suffixes', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_INTERVAL: '64K', SHOW_STATE: '1' },
    });
    expect(programOutput(result.stdout)).toMatchObject({ interval: 65536 });
  });

  test('a worker thread does not start a second session', () => {
    const script = `new (require('node:worker_threads').Worker)('globalThis.x = [1, 2, 3]', { eval: true }).on('exit', () => console.log('${MARKER} {"args":[]}'))`;
    const result = node(['-r', 'node-tracemalloc/register', '-e', script], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'w.%p.ntm') },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(filesIn(tmp.dir, /\.ntm$/)).toHaveLength(1);
  });
});

describe('an invalid setting: one line, then the program runs untraced, or with NODE_TRACEMALLOC_ON_ERROR=fail exit 1 before it runs', () => {
  test.each([
    [{ NODE_TRACEMALLOC: 'abc' }, /^node-tracemalloc: NODE_TRACEMALLOC: invalid number of frames: "abc"/],
    [{ NODE_TRACEMALLOC: '-1' }, /^node-tracemalloc: NODE_TRACEMALLOC: invalid number of frames: "-1"/],
    [{ NODE_TRACEMALLOC: '65536' }, /^node-tracemalloc: NODE_TRACEMALLOC: invalid number of frames: "65536"/],
    [{ NODE_TRACEMALLOC: '2.5' }, /^node-tracemalloc: NODE_TRACEMALLOC: invalid number of frames/],
    [
      { NODE_TRACEMALLOC_INTERVAL: '0' },
      /^node-tracemalloc: NODE_TRACEMALLOC_INTERVAL: invalid sampling interval: "0"/,
    ],
    [
      { NODE_TRACEMALLOC_INTERVAL: '12X' },
      /^node-tracemalloc: NODE_TRACEMALLOC_INTERVAL: invalid sampling interval: "12X"/,
    ],
    [{ NODE_TRACEMALLOC_INTERVAL: '0.1K' }, /^node-tracemalloc: NODE_TRACEMALLOC_INTERVAL: invalid sampling interval/],
    [{ NODE_TRACEMALLOC_OUTPUT: 'heap-%q.ntm' }, /^node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: unknown placeholder %q/],
    [
      { NODE_TRACEMALLOC_OUTPUT: '/no/such/dir/heap.ntm' },
      /^node-tracemalloc: NODE_TRACEMALLOC_OUTPUT: directory \/no\/such\/dir does not exist/,
    ],
    [{ NODE_TRACEMALLOC_REPORT: 'ten' }, /^node-tracemalloc: NODE_TRACEMALLOC_REPORT: invalid number of sites: "ten"/],
    [
      { NODE_TRACEMALLOC_SNAPSHOT_EVERY: 'soon' },
      /^node-tracemalloc: NODE_TRACEMALLOC_SNAPSHOT_EVERY: invalid period: "soon"/,
    ],
    [
      { NODE_TRACEMALLOC_SNAPSHOT_EVERY: '100' },
      /^node-tracemalloc: NODE_TRACEMALLOC_SNAPSHOT_EVERY: needs NODE_TRACEMALLOC_OUTPUT/,
    ],
    [
      { NODE_TRACEMALLOC_SOURCE_MAPS: 'maybe' },
      /^node-tracemalloc: NODE_TRACEMALLOC_SOURCE_MAPS: invalid value: "maybe"/,
    ],
    [{ NODE_TRACEMALLOC_VIEW: 'max' }, /^node-tracemalloc: NODE_TRACEMALLOC_VIEW: invalid view: "max" \(expected peak/],
    [
      { NODE_TRACEMALLOC_INLINING: 'sometimes' },
      /^node-tracemalloc: NODE_TRACEMALLOC_INLINING: invalid value: "sometimes"/,
    ],
  ])('%j', (settings, message) => {
    for (const [flag, file] of [
      ['-r', CJS],
      ['--import', ESM],
    ]) {
      const env = { NODE_TRACEMALLOC: '1', SHOW_STATE: '1', ...settings };
      const failed = node([flag, 'node-tracemalloc/register', file], {
        env: { ...env, NODE_TRACEMALLOC_ON_ERROR: 'fail' },
      });
      expect(failed.stdout).not.toContain(MARKER);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(message);
      expect(failed.stderr.trim().split('\n')).toHaveLength(1);

      const warned = node([flag, 'node-tracemalloc/register', file], { env });
      expect(warned.status).toBe(0);
      expect(warned.stdout).toContain(MARKER);
      if (flag === '-r') expect(programOutput(warned.stdout)).toMatchObject({ tracing: false });
      expect(warned.stderr).toMatch(message);
      expect(warned.stderr).toMatch(/; running without tracing \(NODE_TRACEMALLOC_ON_ERROR=fail stops instead\)\n$/);
      expect(warned.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('the dump at exit', () => {
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    NODE_TRACEMALLOC: '5',
    NODE_TRACEMALLOC_INTERVAL: '1',
    NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'exit.ntm'),
    ...extra,
  });

  test('an uncaught error: written, and the exit code and error output are the program own', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], { env: env({ THROW: '1' }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Error: boom from the program');
    expect(result.stderr).toContain('alloc.js');
    expect(sizeOf(onlyDump(), 'makeObjects').count).toBeGreaterThanOrEqual(15000);
  });

  test('an unhandled rejection: written, exit code 1', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], { env: env({ REJECT: '1' }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('rejected by the program');
    expect(sizeOf(onlyDump(), 'makeObjects').count).toBeGreaterThan(0);
  });

  test('process.exitCode is kept', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], { env: env({ EXIT_CODE: '7' }) });
    expect(result.status).toBe(7);
    expect(onlyDump().totalCount).toBeGreaterThan(0);
  });

  test("a program's own SIGINT handler decides; its process.exit() still dumps", async () => {
    const result = await nodeWithSignal(['-r', 'node-tracemalloc/register', CJS], 'SIGINT', {
      env: env({ WAIT: '1', OWN_SIGINT: '1' }),
      ready: 'READY',
    });
    expect(result.stdout).toContain('OWN HANDLER');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(onlyDump().totalCount).toBeGreaterThan(0);
  });

  test('NODE_TRACEMALLOC_REPORT prints the top sites to stderr, stdout untouched', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], { env: env({ NODE_TRACEMALLOC_REPORT: '3' }) });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^Top 3 of \d+ lines by size — .*exit\.ntm\nexact: every allocation recorded, traceback limit 5 frames;/,
    );
    expect(result.stderr).toMatch(/\s+size\s+count\s+average\s+location\s+function\n/);
    expect(result.stderr).toMatch(/test\/fixtures\/cli\/alloc\.js:6\s+makeObjects/);
  });

  test('a report without a dump file', () => {
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_INTERVAL: '1', NODE_TRACEMALLOC_REPORT: '1' },
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^Top 1 of \d+ lines by size — process \d+/);
  });

  test('NODE_TRACEMALLOC_SNAPSHOT_EVERY writes a numbered series, the last at exit', () => {
    // The program runs until it sees the second periodic dump (however long
    // that takes on a loaded machine), then allocates once more and exits.
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: env({
        NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'series.ntm'),
        NODE_TRACEMALLOC_SNAPSHOT_EVERY: '50',
        UNTIL_FILE: path.join(tmp.dir, 'series-0002.ntm'),
      }),
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const dumps = filesIn(tmp.dir, /\.ntm$/);
    expect(dumps.length).toBeGreaterThanOrEqual(3);
    expect(dumps.map((d) => path.basename(d))).toEqual(
      dumps.map((_, i) => `series-${String(i + 1).padStart(4, '0')}.ntm`),
    );
    // Every dump loads; the program only keeps what it allocates, so each
    // dump holds at least as much as the one before, and the last (at exit,
    // after one more batch) more than the first. Only the last holds what
    // the program allocated in its 'exit' listener: it was written at exit.
    const snapshots = dumps.map((d) => loadSnapshot(d));
    const counts = snapshots.map((s) => sizeOf(s, 'makeObjects').count);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    expect(counts[counts.length - 1]).toBeGreaterThan(counts[0]);
    const atExit = snapshots.map((s) => sizeOf(s, 'makeLastObjects').count);
    expect(atExit.slice(0, -1).every((n) => n === 0)).toBe(true);
    expect(atExit[atExit.length - 1]).toBeGreaterThanOrEqual(100);
  });
});

describe('NODE_TRACEMALLOC_INLINING and the view of the dumps', () => {
  const inliningOf = (env: NodeJS.ProcessEnv): boolean | undefined => {
    const out = path.join(tmp.dir, 'heap.ntm');
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_OUTPUT: out, ...env },
    });
    expect(result.status).toBe(0);
    return loadSnapshot(out).inlining;
  };

  test('inlining off by default in exact mode, on at the sampled default; 0 and 1 say so', () => {
    expect(inliningOf({ NODE_TRACEMALLOC_INTERVAL: '1' })).toBe(false);
    expect(inliningOf({})).toBe(true);
    expect(inliningOf({ NODE_TRACEMALLOC_INLINING: '0' })).toBe(false);
    expect(inliningOf({ NODE_TRACEMALLOC_INTERVAL: '1', NODE_TRACEMALLOC_INLINING: '1' })).toBe(true);
  });

  test('the view: peak by default, live for a series (snapshot-every), as NODE_TRACEMALLOC_VIEW says otherwise', () => {
    let runs = 0;
    const viewOf = (env: NodeJS.ProcessEnv): string => {
      const out = path.join(tmp.dir, `run${++runs}.ntm`);
      const result = node(['-r', 'node-tracemalloc/register', CJS], {
        env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_OUTPUT: out, ...env },
      });
      expect(result.status).toBe(0);
      // A series (snapshot-every) numbers its dumps: run3-0001.ntm.
      return loadSnapshot(filesIn(tmp.dir, new RegExp(`^run${runs}[-.]`))[0]).view;
    };
    expect(viewOf({})).toBe('peak');
    expect(viewOf({ NODE_TRACEMALLOC_VIEW: 'allocated' })).toBe('allocated');
    expect(viewOf({ NODE_TRACEMALLOC_SNAPSHOT_EVERY: '10s' })).toBe('live');
  });
});
