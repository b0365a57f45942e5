// Snapshot.statistics / compareTo, Statistic and StatisticDiff: a port of
// CPython's TestSnapshot (test_tracemalloc.py) onto Snapshot.fromTraces, plus
// the 'function' key, sampled estimates, a 1M-sample run and a real V8 snapshot.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Frame } from '../lib/model/frame';
import { Snapshot, type TraceData } from '../lib/model/snapshot';
import { Statistic, StatisticDiff } from '../lib/model/statistics';
import type { ProfileTable } from '../lib/model/table';
import { Traceback } from '../lib/model/traceback';
import * as tm from '../lib/tracer/tracemalloc';
import { Filter } from '../lib/model/filter';

type RawTrace = [domain: number, size: number, frames: [string, number][]];

/** Python's Snapshot(raw_traces): frames most recent first. */
function fromRaw(raw: RawTrace[], limit = 2): Snapshot {
  const traces: TraceData[] = raw.map(([domain, size, frames]) => ({
    domain,
    size,
    frames: frames.map(([filename, lineno]) => ({ filename, lineno })),
  }));
  return Snapshot.fromTraces(traces, limit);
}

/** Python's create_snapshots(). */
function createSnapshots(): [Snapshot, Snapshot] {
  const snapshot = fromRaw([
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      1,
      2,
      [
        ['a.py', 5],
        ['b.py', 4],
      ],
    ],
    [2, 66, [['b.py', 1]]],
    [3, 7, [['<unknown>', 0]]],
  ]);
  const snapshot2 = fromRaw([
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      0,
      10,
      [
        ['a.py', 2],
        ['b.py', 4],
      ],
    ],
    [
      2,
      2,
      [
        ['a.py', 5],
        ['b.py', 4],
      ],
    ],
    [
      2,
      5000,
      [
        ['a.py', 5],
        ['b.py', 4],
      ],
    ],
    [4, 400, [['c.py', 578]]],
  ]);
  return [snapshot, snapshot2];
}

type Key = string; // "a.py:2" or, for tracebacks, "b.py:4 > a.py:2" (oldest first)

const key = (traceback: Traceback): Key => traceback.toArray().map(String).join(' > ');
const stats = (list: Statistic[]) => list.map((s): [Key, number, number] => [key(s.traceback), s.size, s.count]);
const diffs = (list: StatisticDiff[]) =>
  list.map((d): [Key, number, number, number, number] => [key(d.traceback), d.size, d.sizeDiff, d.count, d.countDiff]);

describe('Snapshot.statistics, as CPython TestSnapshot', () => {
  test('group by line (test_snapshot_group_by_line)', () => {
    const [snapshot, snapshot2] = createSnapshots();
    expect(stats(snapshot.statistics('lineno'))).toEqual([
      ['b.py:1', 66, 1],
      ['a.py:2', 30, 3],
      ['<unknown>:0', 7, 1],
      ['a.py:5', 2, 1],
    ]);
    expect(stats(snapshot2.statistics('lineno'))).toEqual([
      ['a.py:5', 5002, 2],
      ['c.py:578', 400, 1],
      ['a.py:2', 30, 3],
    ]);
    expect(diffs(snapshot2.compareTo(snapshot, 'lineno'))).toEqual([
      ['a.py:5', 5002, 5000, 2, 1],
      ['c.py:578', 400, 400, 1, 1],
      ['b.py:1', 0, -66, 0, -1],
      ['<unknown>:0', 0, -7, 0, -1],
      ['a.py:2', 30, 0, 3, 0],
    ]);
  });

  test('group by file (test_snapshot_group_by_file)', () => {
    const [snapshot, snapshot2] = createSnapshots();
    expect(stats(snapshot.statistics('filename'))).toEqual([
      ['b.py:0', 66, 1],
      ['a.py:0', 32, 4],
      ['<unknown>:0', 7, 1],
    ]);
    expect(stats(snapshot2.statistics('filename'))).toEqual([
      ['a.py:0', 5032, 5],
      ['c.py:0', 400, 1],
    ]);
    expect(diffs(snapshot2.compareTo(snapshot, 'filename'))).toEqual([
      ['a.py:0', 5032, 5000, 5, 1],
      ['c.py:0', 400, 400, 1, 1],
      ['b.py:0', 0, -66, 0, -1],
      ['<unknown>:0', 0, -7, 0, -1],
    ]);
  });

  test('group by traceback (test_snapshot_group_by_traceback)', () => {
    const [snapshot, snapshot2] = createSnapshots();
    const tb1 = 'b.py:4 > a.py:2';
    const tb2 = 'b.py:4 > a.py:5';
    expect(stats(snapshot.statistics('traceback'))).toEqual([
      ['b.py:1', 66, 1],
      [tb1, 30, 3],
      ['<unknown>:0', 7, 1],
      [tb2, 2, 1],
    ]);
    expect(stats(snapshot2.statistics('traceback'))).toEqual([
      [tb2, 5002, 2],
      ['c.py:578', 400, 1],
      [tb1, 30, 3],
    ]);
    expect(diffs(snapshot2.compareTo(snapshot, 'traceback'))).toEqual([
      [tb2, 5002, 5000, 2, 1],
      ['c.py:578', 400, 400, 1, 1],
      ['b.py:1', 0, -66, 0, -1],
      ['<unknown>:0', 0, -7, 0, -1],
      [tb1, 30, 0, 3, 0],
    ]);
    expect(() => snapshot.statistics('traceback', true)).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  test('cumulative (test_snapshot_group_by_cumulative)', () => {
    const [snapshot] = createSnapshots();
    expect(stats(snapshot.statistics('filename', true))).toEqual([
      ['b.py:0', 98, 5],
      ['a.py:0', 32, 4],
      ['<unknown>:0', 7, 1],
    ]);
    expect(stats(snapshot.statistics('lineno', true))).toEqual([
      ['b.py:1', 66, 1],
      ['b.py:4', 32, 4],
      ['a.py:2', 30, 3],
      ['<unknown>:0', 7, 1],
      ['a.py:5', 2, 1],
    ]);
  });

  test('string forms (test_trace_format, test_statistic_format, test_statistic_diff_format)', () => {
    const [snapshot, snapshot2] = createSnapshots();
    const trace = snapshot.traces.at(0);
    expect(String(trace)).toBe('b.py:4: 10 B');
    expect(String(trace?.traceback)).toBe('b.py:4');
    expect(String(trace?.traceback.at(0))).toBe('b.py:4');
    expect(String(snapshot.statistics('lineno')[0])).toBe('b.py:1: size=66 B, count=1, average=66 B');
    expect(String(snapshot2.compareTo(snapshot, 'lineno')[0])).toBe(
      'a.py:5: size=5002 B (+5000 B), count=2 (+1), average=2501 B',
    );
  });

  test('traceback format (test_format_traceback)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracemalloc-format-'));
    const a = path.join(dir, 'a.py');
    const b = path.join(dir, 'b.py');
    fs.writeFileSync(a, 'x\n  <a.py, 2>\n');
    fs.writeFileSync(b, 'x\nx\nx\n    <b.py, 4>  \n');
    try {
      const snapshot = fromRaw([
        [
          0,
          10,
          [
            [a, 2],
            [b, 4],
          ],
        ],
      ]);
      const tb = snapshot.traces.at(0)?.traceback as Traceback;
      const fileB = [`  File "${b}", line 4, in (anonymous)`, '    <b.py, 4>'];
      const fileA = [`  File "${a}", line 2, in (anonymous)`, '    <a.py, 2>'];
      expect(tb.format()).toEqual([...fileB, ...fileA]);
      expect(tb.format(1)).toEqual(fileA);
      expect(tb.format(-1)).toEqual(fileB);
      expect(tb.format(undefined, true)).toEqual([...fileA, ...fileB]);
      expect(tb.format(1, true)).toEqual(fileA);
      expect(tb.format(-1, true)).toEqual(fileB);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Snapshot.statistics, beyond CPython', () => {
  test('sorted descending by (size, count, key), keys compared by code point like Python', () => {
    // Expected order printed by CPython 3.11 for the same traces.
    const snapshot = fromRaw(
      [
        ...['a.py', '\uffff.py', '\u{1F600}.py', 'é.py', 'a.py'].map((f): RawTrace => [0, 8, [[f, 1]]]),
        [0, 8, [['a.py', 2]]],
        [0, 16, [['a.py', 10]]],
      ],
      1,
    );
    expect(snapshot.statistics('lineno').map(String)).toEqual([
      'a.py:1: size=16 B, count=2, average=8 B',
      'a.py:10: size=16 B, count=1, average=16 B',
      '\u{1F600}.py:1: size=8 B, count=1, average=8 B',
      '\uffff.py:1: size=8 B, count=1, average=8 B',
      'é.py:1: size=8 B, count=1, average=8 B',
      'a.py:2: size=8 B, count=1, average=8 B',
    ]);
    // Tracebacks compare oldest frame first; a prefix sorts before longer ones.
    const tracebacks = fromRaw([
      [
        0,
        8,
        [
          ['z.py', 1],
          ['a.py', 1],
        ],
      ],
      [0, 8, [['a.py', 1]]],
      [
        0,
        8,
        [
          ['b.py', 1],
          ['a.py', 1],
        ],
      ],
      [
        0,
        8,
        [
          ['a.py', 3],
          ['a.py', 2],
        ],
      ],
    ]);
    expect(stats(tracebacks.statistics('traceback')).map(([k]) => k)).toEqual([
      'a.py:2 > a.py:3',
      'a.py:1 > z.py:1',
      'a.py:1 > b.py:1',
      'a.py:1',
    ]);
  });

  test('compareTo sorts by (|sizeDiff|, size, |countDiff|, count, key)', () => {
    const old = fromRaw(
      [
        [0, 16, [['a.py', 1]]],
        [0, 11, [['b.py', 1]]],
        [0, 2, [['d.py', 1]]],
      ],
      1,
    );
    const current = fromRaw(
      [
        [0, 8, [['a.py', 1]]],
        [0, 3, [['b.py', 1]]],
        [0, 5, [['c.py', 1]]],
        [0, 5, [['c.py', 1]]],
      ],
      1,
    );
    // As printed by CPython 3.11.
    expect(current.compareTo(old, 'filename').map(String)).toEqual([
      'c.py:0: size=10 B (+10 B), count=2 (+2), average=5 B',
      'a.py:0: size=8 B (-8 B), count=1 (+0), average=8 B',
      'b.py:0: size=3 B (-8 B), count=1 (+0), average=3 B',
      'd.py:0: size=0 B (-2 B), count=0 (-1)',
    ]);
  });

  test("'function' tells apart functions starting on one line; 'lineno' merges them", () => {
    const frame = (functionName: string, column: number) => ({ filename: 'app.js', lineno: 3, functionName, column });
    const snapshot = Snapshot.fromTraces([
      { domain: 0, size: 100, frames: [frame('parse', 10)] },
      { domain: 0, size: 40, count: 2, frames: [frame('(anonymous)', 30), frame('parse', 10)] },
      { domain: 0, size: 7, frames: [{ filename: 'app.js', lineno: 9, functionName: 'load', column: 1 }] },
    ]);
    const byFunction = snapshot.statistics('function');
    expect(byFunction.map((s) => [s.traceback.at(0)?.functionName, s.size, s.count])).toEqual([
      ['parse', 100, 1],
      ['(anonymous)', 40, 2],
      ['load', 7, 1],
    ]);
    expect(byFunction[0].traceback.at(0)?.column).toBe(10);
    expect(String(byFunction[0])).toBe('app.js:3: size=100 B, count=1, average=100 B');

    const byLine = snapshot.statistics('lineno');
    expect(stats(byLine)).toEqual([
      ['app.js:3', 140, 3],
      ['app.js:9', 7, 1],
    ]);
    // Merged frames keep the name and column only when they agree.
    expect(byLine[0].traceback.at(0)?.functionName).toBe('');
    expect(byLine[0].traceback.at(0)?.column).toBe(0);
    expect(byLine[1].traceback.at(0)?.functionName).toBe('load');

    // Cumulative: 'parse' is on the stack of both traces.
    expect(stats(snapshot.statistics('function', true))).toEqual([
      ['app.js:3', 140, 3],
      ['app.js:3', 40, 2],
      ['app.js:9', 7, 1],
    ]);
    expect(diffs(snapshot.compareTo(snapshot, 'function'))).toEqual([
      ['app.js:3', 100, 0, 1, 0],
      ['app.js:3', 40, 0, 2, 0],
      ['app.js:9', 7, 0, 1, 0],
    ]);
  });

  test('cumulative counts every frame, recursion included, as CPython does', () => {
    // CPython 3.11 prints a.py:2 size=20 count=2 and a.py:0 size=30 count=3
    // for this trace: cumulative totals can exceed the snapshot's.
    const snapshot = fromRaw(
      [
        [
          0,
          10,
          [
            ['a.py', 2],
            ['a.py', 2],
            ['a.py', 5],
          ],
        ],
      ],
      3,
    );
    expect(stats(snapshot.statistics('lineno', true))).toEqual([
      ['a.py:2', 20, 2],
      ['a.py:5', 10, 1],
    ]);
    expect(stats(snapshot.statistics('filename', true))).toEqual([['a.py:0', 30, 3]]);
  });

  test('traces with no frames are grouped under <unknown>:0, as Python records them', () => {
    const snapshot = Snapshot.fromTraces([
      { domain: 0, size: 5, frames: [] },
      { domain: 0, size: 6, frames: [] },
      { domain: 0, size: 1, frames: [{ filename: 'a.js', lineno: 1 }] },
    ]);
    for (const keyType of ['filename', 'lineno', 'traceback', 'function'] as const) {
      expect(stats(snapshot.statistics(keyType))[0]).toEqual(['<unknown>:0', 11, 2]);
    }
    expect(stats(snapshot.statistics('lineno', true))[0]).toEqual(['<unknown>:0', 11, 2]);
  });

  test('an empty snapshot has no statistics', () => {
    const empty = Snapshot.fromTraces([]);
    expect(empty.statistics('lineno')).toEqual([]);
    expect(empty.compareTo(empty, 'traceback')).toEqual([]);
  });

  test('sampled estimates are rounded for display, with no marker in toString()', () => {
    const snapshot = Snapshot.fromTraces(
      [{ domain: 0, size: 5120.4, count: 79.6, frames: [{ filename: 'app.js', lineno: 12 }] }],
      1,
      { interval: 512 * 1024 },
    );
    expect(snapshot.exact).toBe(false);
    const [stat] = snapshot.statistics('lineno');
    expect(stat.size).toBeCloseTo(5120.4);
    expect(stat.count).toBeCloseTo(79.6);
    expect(String(stat)).toBe('app.js:12: size=5120 B, count=80, average=64 B');
    const [diff] = snapshot.compareTo(Snapshot.fromTraces([]), 'lineno');
    expect(String(diff)).toBe('app.js:12: size=5120 B (+5120 B), count=80 (+80), average=64 B');
  });

  test('bad arguments are typed errors with codes', () => {
    const [snapshot] = createSnapshots();
    const loose = snapshot as unknown as {
      statistics(k: unknown, c?: unknown): unknown;
      compareTo(...a: unknown[]): unknown;
    };
    expect(() => loose.statistics('line')).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringContaining('"line"'),
      }),
    );
    expect(() => loose.statistics(1)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => loose.statistics('lineno', 1)).toThrow(TypeError);
    expect(() => loose.compareTo({}, 'lineno')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => loose.compareTo(snapshot, 'traceback', true)).toThrow(RangeError);
  });
});

describe('builtins are charged to their nearest scripted caller', () => {
  const split = { filename: '<unknown>', lineno: 0, functionName: 'split', builtin: true };
  const map = { filename: '<unknown>', lineno: 0, functionName: 'map', builtin: true };
  const parseLine = { filename: '/app/parse.js', lineno: 3, functionName: 'parseLine' };
  const main = { filename: '/app/main.js', lineno: 1, functionName: 'main' };
  const snapshot = Snapshot.fromTraces(
    [
      { domain: 0, size: 300, count: 3, frames: [split, parseLine, main] },
      { domain: 0, size: 40, count: 1, frames: [parseLine, main] },
      { domain: 0, size: 20, count: 2, frames: [map, main] },
      { domain: 0, size: 5, count: 1, frames: [split] }, // no scripted caller recorded
      // A builtin between two scripted frames (map calling back into parseLine).
      { domain: 0, size: 1, count: 1, frames: [parseLine, map, main] },
    ],
    3,
  );
  const rows = (stats: Statistic[]) =>
    stats.map((s) => [String(s.traceback), s.traceback.at(-1)?.functionLabel, s.size]);

  test("'lineno' and 'filename': the scripted frame is the key; <unknown>:0 only without one", () => {
    expect(rows(snapshot.statistics('lineno'))).toEqual([
      ['/app/parse.js:3', 'parseLine', 341],
      ['/app/main.js:1', 'map (builtin) in main', 20],
      ['<unknown>:0', 'split (builtin)', 5],
    ]);
    expect(rows(snapshot.statistics('filename'))).toEqual([
      ['/app/parse.js:0', '', 341],
      ['/app/main.js:0', '', 20],
      ['<unknown>:0', '', 5],
    ]);
  });

  test("'function' tells what a builtin allocated for a function from the rest", () => {
    expect(rows(snapshot.statistics('function'))).toEqual([
      ['/app/parse.js:3', 'split (builtin) in parseLine', 300],
      ['/app/parse.js:3', 'parseLine', 41],
      ['/app/main.js:1', 'map (builtin) in main', 20],
      ['<unknown>:0', 'split (builtin)', 5],
    ]);
  });

  test('cumulative: builtins with a scripted caller are no key; their callers are', () => {
    expect(rows(snapshot.statistics('lineno', true))).toEqual([
      ['/app/main.js:1', 'main', 361],
      ['/app/parse.js:3', 'parseLine', 341],
      ['<unknown>:0', 'split (builtin)', 5],
    ]);
  });

  test("'traceback' keeps builtin leaves, told apart by name", () => {
    const tracebacks = snapshot.statistics('traceback').map((s) =>
      s.traceback
        .toArray()
        .map((f) => f.functionLabel)
        .join(' > '),
    );
    expect(tracebacks).toEqual([
      'main > parseLine > split (builtin)',
      'main > parseLine',
      'main > map (builtin)',
      'split (builtin)',
      'main > map (builtin) > parseLine',
    ]);
  });

  test('compareTo keys the same way', () => {
    const before = Snapshot.fromTraces([{ domain: 0, size: 100, count: 1, frames: [split, parseLine, main] }], 3);
    const diffs = snapshot.compareTo(before, 'lineno');
    expect(diffs.map((d) => [String(d.traceback), d.sizeDiff])).toEqual([
      ['/app/parse.js:3', 241],
      ['/app/main.js:1', 20],
      ['<unknown>:0', 5],
    ]);
  });
});

describe('Statistic and StatisticDiff', () => {
  const one = new Traceback([new Frame('a.py', 1)]);

  test("are made from plain data and print as Python's str()", () => {
    expect(String(new Statistic(new Traceback([new Frame('app.js', 12)]), 5120, 80))).toBe(
      'app.js:12: size=5120 B, count=80, average=64 B',
    );
    expect(String(new StatisticDiff(new Traceback([new Frame('app.js', 12)]), 5120, 5120, 80, 80))).toBe(
      'app.js:12: size=5120 B (+5120 B), count=80 (+80), average=64 B',
    );
    // As printed by CPython 3.11: no average without objects; %+d signs.
    expect(String(new Statistic(one, 0, 0))).toBe('a.py:1: size=0 B, count=0');
    expect(String(new StatisticDiff(one, 0, 0, 0, 0))).toBe('a.py:1: size=0 B (+0 B), count=0 (+0)');
    expect(String(new StatisticDiff(one, 0, -66, 0, -1))).toBe('a.py:1: size=0 B (-66 B), count=0 (-1)');
    // A multi-frame key prints its oldest frame, as Python's str(traceback).
    const two = new Traceback([new Frame('a.py', 1), new Frame('b.py', 1)]);
    expect(String(new StatisticDiff(two, 3 * 1024 ** 2, 3 * 1024 ** 2, 3, 3))).toBe(
      'a.py:1: size=3072 KiB (+3072 KiB), count=3 (+3), average=1024 KiB',
    );
    expect(String(new Statistic(two, 5, 2))).toBe('a.py:1: size=5 B, count=2, average=2 B');
    const stat = new Statistic(one, 10, 2);
    expect([stat.traceback, stat.size, stat.count]).toEqual([one, 10, 2]);
  });

  test('reject bad values', () => {
    const S = Statistic as unknown as new (...a: unknown[]) => Statistic;
    expect(() => new S([new Frame('a.py', 1)], 1, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => new S(one, '1', 1)).toThrow(TypeError);
    expect(() => new S(one, 1, NaN)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new StatisticDiff(one, 1, Infinity, 1, 1)).toThrow(RangeError);
  });
});

describe('scale', () => {
  /** A V8-like table: a random call tree of 20k stack rows over 2k frames, 1M samples. */
  function bigTable(samples: number): ProfileTable {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const frames = 2000;
    const stacks = 20000;
    const strings = Array.from({ length: 200 }, (_, i) => `/srv/app/module${i}.js`).concat(['fn']);
    const stackParent = new Int32Array(stacks);
    const stackFrame = new Uint32Array(stacks);
    for (let s = 0; s < stacks; s++) {
      stackParent[s] = s < 50 ? -1 : rand(s);
      stackFrame[s] = rand(frames);
    }
    const sampleStack = new Uint32Array(samples);
    const sampleSize = new Float64Array(samples);
    for (let i = 0; i < samples; i++) {
      sampleStack[i] = rand(stacks);
      sampleSize[i] = 16 + rand(64);
    }
    return {
      strings,
      frameName: new Uint32Array(frames).fill(200),
      frameFile: Uint32Array.from({ length: frames }, (_, f) => f % 200),
      frameLine: Int32Array.from({ length: frames }, (_, f) => 1 + Math.floor(f / 200)),
      frameColumn: new Int32Array(frames).fill(1),
      frameScriptId: new Int32Array(frames),
      frameStart: new Int32Array(frames),
      stackFrame,
      stackParent,
      sampleStack,
      sampleSize,
      sampleCount: new Float64Array(samples).fill(1),
      sampleId: new Float64Array(samples),
      sampleDomain: new Uint32Array(samples),
    };
  }

  test('1M samples: statistics walk the columns, one object per key', () => {
    const snapshot = new Snapshot(bigTable(1_000_000), { tracebackLimit: 64, interval: 1 });
    // No time is measured here (a unit test must not depend on the machine's
    // load): the speed of these calls at 1M samples is bench/snapshot.js's
    // "statistics(lineno) top 10" column, tens of milliseconds.
    const byLine = snapshot.statistics('lineno');
    const byTraceback = snapshot.statistics('traceback');
    const byFile = snapshot.statistics('filename', true);
    const diff = snapshot.compareTo(snapshot, 'lineno');

    const total = snapshot.totalSize;
    const sum = (list: Statistic[]) => list.reduce((acc, s) => acc + s.size, 0);
    expect(sum(byLine)).toBe(total);
    expect(sum(byTraceback)).toBe(total);
    expect(byLine.length).toBeLessThanOrEqual(2000);
    expect(byTraceback.length).toBeLessThanOrEqual(20000);
    expect(byFile.length).toBe(200);
    // Every file's cumulative size is at most the total (each trace once per key).
    expect(byFile.every((s) => s.size <= total)).toBe(true);
    expect(diff.every((d) => d.sizeDiff === 0 && d.countDiff === 0)).toBe(true);
    expect(snapshot.totalCount).toBe(1_000_000);
  });
});

describe('a real V8 snapshot', () => {
  // Run through vm with a filename, so that V8 reports this source's own
  // lines (a TS test file's lines are shifted by the TS → JS transform).
  const FIXTURE = path.join(os.tmpdir(), 'tracemalloc-statistics-fixture.js');
  const SOURCE = [
    '(function () {',
    '  return function allocateWidgets(n) {',
    '    const widgets = [];',
    "    for (let i = 0; i < n; i++) widgets.push({ id: i, name: 'widget' });",
    '    return widgets;',
    '  };',
    '})()',
  ].join('\n');

  beforeEach(() => tm.stop());
  afterEach(() => tm.stop());

  test("statistics('function') finds the allocating function; 'lineno' uses its start line", () => {
    const allocateWidgets = vm.runInThisContext(SOURCE, { filename: FIXTURE }) as (n: number) => object[];
    tm.start(8);
    const before = tm.takeSnapshot();
    const widgets = allocateWidgets(1000);
    const snapshot = tm.takeSnapshot();
    expect(widgets).toHaveLength(1000); // kept alive through the snapshot

    const byFunction = snapshot.statistics('function');
    const index = byFunction.findIndex((s) => s.traceback.at(0)?.functionName === 'allocateWidgets');
    expect(index).toBeGreaterThanOrEqual(0);
    expect(index).toBeLessThan(3);
    const stat = byFunction[index];
    expect(stat.count).toBeGreaterThanOrEqual(1000);
    expect(stat.traceback.at(0)?.filename).toBe(FIXTURE);

    // V8 records the function's start line (2), never the allocating line (4).
    const fixtureLines = snapshot.statistics('lineno').filter((s) => s.traceback.at(0)?.filename === FIXTURE);
    expect(fixtureLines.map((s) => s.traceback.at(0)?.lineno)).toEqual([2]);
    expect(fixtureLines[0].count).toBeGreaterThanOrEqual(1000);

    const mine = snapshot.filterTraces([new Filter(true, FIXTURE)]);
    expect(mine.totalCount).toBeGreaterThanOrEqual(1000);
    const [top] = snapshot.compareTo(before, 'lineno').filter((d) => d.traceback.at(0)?.filename === FIXTURE);
    expect(top.countDiff).toBeGreaterThanOrEqual(1000);
    expect(String(top)).toMatch(/^.*tracemalloc-statistics-fixture\.js:2: size=\d+(\.\d)? [KM]?i?B \(\+/);
  });
});
