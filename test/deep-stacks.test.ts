// Deep stacks (issue 12, finding 5): stacks up to 65,535 frames that share
// their callers make tables whose naive analysis walks depth² / 2 frames. A
// 65,535-frame chain with a sample on every row is 2.1 billion frames. Every
// analysis must stay linear in the table, and every export linear or
// refused with a coded error, fast. The heavy runs are in a child process
// with a 512 MB heap and runNode's deadline: a quadratic walk runs out of
// one of them instead of taking jest down.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dumpSnapshot, encodeSnapshot, loadSnapshot } from '../lib/model/dump';
import { toCollapsed } from '../lib/faces/export/collapsed';
import { encodeSnapshotJson, type SnapshotJson } from '../lib/faces/export/json';
import { encodePprof } from '../lib/faces/export/pprof';
import { Frame } from '../lib/model/frame';
import { Snapshot } from '../lib/model/snapshot';
import { markCallers, parentsFirst, stackDepths } from '../lib/model/stack-walk';
import type { ProfileTable } from '../lib/model/table';
import { Traceback } from '../lib/model/traceback';
import { DETERMINISTIC_FLAGS, fixtures, repoRoot, runNode, type ChildResult } from './helpers/child';
import { cleanEnv, cliMain, tempDir } from './helpers/cli';
import { broomTable, chainTable } from '../scripts/deep-tables';

const MAX = 65535;
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('deep');
});
afterAll(() => tmp.remove());

function dump(name: string, table: ProfileTable): string {
  const file = path.join(tmp.dir, name);
  dumpSnapshot(new Snapshot(table, { tracebackLimit: MAX, interval: 1 }), file);
  return file;
}

type Outcome = Record<string, unknown>;

/** `node <args>` with room for outputs of tens of MB (spawnSync keeps 1 MB unless told). */
function node(args: string[]): ChildResult {
  const result = spawnSync(process.execPath, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 120_000,
    maxBuffer: 2 ** 30,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** `tracemalloc <args>`, the same way. */
function cli(args: string[]): ChildResult {
  return node([cliMain, ...args]);
}

/** test/fixtures/deep-analyses.js on `file` in a child with a 512 MB heap. */
function analyse(file: string, ops = 'all'): Outcome {
  const result = node(['--max-old-space-size=512', path.join(fixtures, 'deep-analyses.js'), file, ops]);
  expect({ status: result.status, signal: result.signal, stderr: result.stderr.slice(0, 2000) }).toEqual({
    status: 0,
    signal: null,
    stderr: '',
  });
  return JSON.parse(result.stdout) as Outcome;
}

const TOO_LARGE = expect.objectContaining({ error: 'ERR_TRACEMALLOC_OUTPUT_TOO_LARGE' });

describe('one chain of 65,535 frames (three functions recurring), a sample on every row', () => {
  let file: string;
  let outcome: Outcome;
  beforeAll(() => {
    file = dump('chain.ntm', chainTable({ depth: MAX, distinct: 3 }));
    outcome = analyse(file);
  });

  test('the dump is small (the whole problem: a tiny file, 2.1 billion frames of tracebacks)', () => {
    expect(fs.statSync(file).size).toBeLessThan(600 * 1024);
  });

  test('statistics by line and cumulative, exact', () => {
    const each = MAX / 3;
    expect(outcome.lineno).toEqual([
      ['f2', each * 64, each],
      ['f1', each * 64, each],
      ['f0', each * 64, each],
    ]);
    // Row r (function r % 3) carries every sample at or below it: MAX - r of them, once per occurrence.
    const cumulative = [0, 1, 2].map((k) => {
      let objects = 0;
      for (let r = k; r < MAX; r += 3) objects += MAX - r;
      return [`f${k}`, objects * 64, objects];
    });
    expect(outcome.cumulative).toEqual(cumulative);
    expect(outcome['function-cumulative']).toEqual(cumulative);
    expect(outcome['compareTo-cumulative']).toEqual(cumulative.map(([name, size]) => [name, size, 0]));
  });

  test('statistics by traceback: one key per row, deepest first among equals, shared frames', () => {
    expect(outcome.traceback).toEqual({
      keys: MAX,
      sizes: ['64/1'],
      firstLength: MAX,
      firstOldest: 'f0',
      firstRecent: 'f2',
      firstMiddle: `f${Math.floor(MAX / 2) % 3}`,
      lastLength: 1,
      str: '/app/deep.js:1: size=64 B, count=1, average=64 B',
    });
    expect(outcome.compareTo).toEqual({ keys: MAX, first: [MAX, 64, 1] });
  });

  test('filters and the traces list', () => {
    // Most recent frame on an odd line: f0 (line 1) and f2 (line 3).
    expect(outcome['filter-custom']).toBe((2 * MAX) / 3);
    // A frame of f1 (line 2) anywhere in the traceback: every row but the first.
    expect(outcome['filter-all-frames']).toBe(MAX - 1);
    expect(outcome.traces).toBe((MAX * (MAX + 1)) / 2);
  });

  test('exports: the trees are written, the per-trace listings refused with a coded error', () => {
    expect(outcome.heapprofile).toEqual({ deepest: MAX, samples: MAX, text: true });
    expect(outcome.flamegraph).toBe(true);
    for (const format of ['json', 'pprof', 'collapsed']) expect(outcome[format]).toEqual(TOO_LARGE);
    expect((outcome.json as { message: string }).message).toMatch(
      /^the JSON export of this snapshot would be about [\d,]+ characters, more than a JS string holds \([\d,]+\): its 65,535 traces list 2,147,450,880 frames in all: heapprofile and the flame graph/,
    );
  });

  test('the CLI: top --key traceback shows the 10 deepest, --cumulative the sums; export says why not in one line', () => {
    const top = cli(['top', '--key', 'traceback', '--json', file]);
    expect(top.status).toBe(0);
    const report = JSON.parse(top.stdout) as { sites: number; stats: { frames: unknown[] }[] };
    expect(report.sites).toBe(MAX);
    expect(report.stats.map((s) => s.frames.length)).toEqual(Array.from({ length: 10 }, (_, i) => MAX - i));
    const text = cli(['top', '--key', 'traceback', '--top', '2', file]);
    expect(text.status).toBe(0);
    // Title, totals, view and a blank line; the header; both tracebacks; the final newline.
    expect(text.stdout.split('\n')).toHaveLength(4 + 1 + MAX + (MAX - 1) + 1);
    expect(cli(['top', '--key', 'traceback', '--top', 'all', file]).stderr).toMatch(
      /^tracemalloc top: the report of this snapshot would be 65,535 sites listing 2,147,450,880 frames, more than the 1,048,576 a report shows: show fewer sites \(--top\)/,
    );
    const cumulative = cli(['top', '--cumulative', '--json', file]);
    expect(cumulative.status).toBe(0);
    const f0 = (JSON.parse(cumulative.stdout) as { stats: { function: string; count: number }[] }).stats[0];
    let objects = 0;
    for (let r = 0; r < MAX; r += 3) objects += MAX - r;
    expect([f0.function, f0.count]).toEqual(['f0', objects]);
    const exported = cli(['export', '--format', 'json', file]);
    expect(exported.status).toBe(1);
    expect(exported.stdout).toBe('');
    expect(exported.stderr.split('\n')).toEqual([
      expect.stringMatching(/^tracemalloc export: the JSON export of this snapshot would be about/),
      '',
    ]);
  });
});

describe('many samples on many deep stacks: 2,000 leaves under a 65,534-frame trunk', () => {
  let file: string;
  beforeAll(() => {
    file = dump('broom.ntm', broomTable({ depth: MAX - 1, leaves: 2000, samplesPerLeaf: 3 }));
  });

  test('analyses are exact, the per-trace exports refused', () => {
    const outcome = analyse(file, 'lineno,cumulative,traceback,compareTo,json,pprof,collapsed,heapprofile');
    const lineno = outcome.lineno as [string, number, number][];
    expect(lineno).toHaveLength(2000);
    expect(lineno.every(([name, size, count]) => /^f\d+$/.test(name) && size === 192 && count === 3)).toBe(true);
    // Every trunk frame carries all 6,000 samples; each leaf its own 3.
    const cumulative = outcome.cumulative as [string, number, number][];
    expect(cumulative).toHaveLength(MAX - 1 + 2000);
    expect(cumulative.slice(0, MAX - 1).every(([, size, count]) => size === 6000 * 64 && count === 6000)).toBe(true);
    expect(cumulative.slice(MAX - 1).every(([, size, count]) => size === 192 && count === 3)).toBe(true);
    expect(outcome.traceback).toMatchObject({ keys: 2000, sizes: ['192/3'], firstLength: MAX, lastLength: MAX });
    expect(outcome.compareTo).toEqual({ keys: 2000, first: [MAX, 192, 3] });
    for (const format of ['json', 'pprof', 'collapsed']) expect(outcome[format]).toEqual(TOO_LARGE);
    expect(outcome.heapprofile).toEqual({ deepest: MAX, samples: 6000, text: true });
  });

  test('tracemalloc diff --key traceback against the chain', () => {
    const chain = dump('chain2.ntm', chainTable({ depth: 2000 }));
    const result = cli(['diff', '--key', 'traceback', '--top', '3', '--json', chain, file]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { sites: number; stats: { frames: unknown[]; sizeDiff: number }[] };
    expect(report.sites).toBe(4000);
    expect(report.stats.map((s) => [s.frames.length, s.sizeDiff])).toEqual([
      [MAX, 192],
      [MAX, 192],
      [MAX, 192],
    ]);
  });
});

describe('stacks deep enough to matter, small enough to export', () => {
  const snapshot = new Snapshot(chainTable({ depth: 1000 }), { tracebackLimit: MAX, interval: 1 });

  test('JSON, collapsed stacks and pprof are written in full', () => {
    const json = JSON.parse(encodeSnapshotJson(snapshot)) as SnapshotJson;
    expect(json.traces).toHaveLength(1000);
    expect(json.traces.reduce((n, t) => n + t.frames.length, 0)).toBe((1000 * 1001) / 2);
    const lines = toCollapsed(snapshot).trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines[999].split(';')).toHaveLength(1000);
    expect(encodePprof(snapshot).length).toBeGreaterThan(0);
  });
});

describe('a real profile: start(65535), a function recursing 5,000 calls deep', () => {
  let file: string;
  let child: { calls: number; size: number; count: number; deepest: number };
  beforeAll(() => {
    file = path.join(tmp.dir, 'recursion.ntm');
    const result = runNode([...DETERMINISTIC_FLAGS, path.join(fixtures, 'deep-recursion.js'), file]);
    expect(result.stderr).toBe('');
    child = JSON.parse(result.stdout) as typeof child;
  });

  test('the traces are as deep as the recursion', () => {
    expect(child.count).toBeGreaterThanOrEqual(child.calls);
    expect(child.deepest).toBeGreaterThan(5000);
  });

  test('cumulative statistics equal a walk of every traceback, key by key', () => {
    const snapshot = loadSnapshot(file);
    // Frames are shared objects (one per frame row): sum per object, then per key.
    const perFrame = new Map<Frame, [number, number]>();
    for (const trace of snapshot.traces) {
      for (const frame of trace.traceback) {
        const sums = perFrame.get(frame);
        if (sums === undefined) perFrame.set(frame, [trace.size, trace.count]);
        else {
          sums[0] += trace.size;
          sums[1] += trace.count;
        }
      }
    }
    const expected = new Map<string, [number, number]>();
    for (const [frame, [size, count]] of perFrame) {
      const key = String(frame);
      const [s0, c0] = expected.get(key) ?? [0, 0];
      expected.set(key, [s0 + size, c0 + count]);
    }
    const actual = snapshot.statistics('lineno', true);
    expect(new Map(actual.map((s) => [String(s.traceback.at(0)), [s.size, s.count]]))).toEqual(expected);
    const recurse = actual.find((s) => s.traceback.at(0)?.functionName === 'recurse');
    // Each of the calls' objects counts once per recurse frame above it: 1 + 2 + ... + calls, at least.
    expect(recurse?.count).toBeGreaterThanOrEqual((child.calls * (child.calls + 1)) / 2);
  });

  test('the CLI: JSON and collapsed refused in one coded line, pprof and heapprofile written, top --key traceback shown', () => {
    const json = cli(['export', '--format', 'json', file]);
    expect(json.status).toBe(1);
    expect(json.stderr).toMatch(
      /^tracemalloc export: the JSON export of this snapshot would be about [\d,]+ characters, more than a JS string holds/,
    );
    expect(json.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(['export', '--format', 'collapsed', file]).status).toBe(1);
    const pprof = path.join(tmp.dir, 'recursion.pb.gz');
    expect(cli(['export', file, '-o', pprof]).status).toBe(0);
    expect(fs.statSync(pprof).size).toBeGreaterThan(0);
    const heap = cli(['export', '--format', 'heapprofile', file]);
    expect(heap.status).toBe(0);
    expect(heap.stdout.length).toBeGreaterThan(0);
    // The deep tracebacks hold one small object each: a few shallow ones that
    // hold more (what V8 allocated as the recursion began) can outrank them,
    // by how many depends on heap layout (3 sufficed until more modules loaded).
    const top = cli(['top', '--key', 'traceback', '--top', '10', '--json', file]);
    expect(top.status).toBe(0);
    const frames = (JSON.parse(top.stdout) as { stats: { frames: unknown[] }[] }).stats.map((s) => s.frames.length);
    expect(Math.max(...frames)).toBeGreaterThanOrEqual(5000);
  });
});

test("tracemalloc run: a report too deep to show is refused in one line, and the exit code is the program's", () => {
  const script = path.join(tmp.dir, 'recurse.js');
  fs.writeFileSync(
    script,
    'const kept = (globalThis.kept = []);\nfunction r(n) { kept.push({ n }); if (n > 0) r(n - 1); }\nr(3000);\nprocess.exitCode = 7;\n',
  );
  const result = cli([
    'run',
    '--exact',
    '--frames',
    '65535',
    '--key',
    'traceback',
    '--top',
    'all',
    '-o',
    path.join(tmp.dir, 'run.ntm'),
    script,
  ]);
  expect(result.status).toBe(7);
  expect(result.stderr).toMatch(
    /^tracemalloc run: the report of this snapshot would be [\d,]+ sites listing [\d,]+ frames, more than the 1,048,576 a report shows/m,
  );
  expect(fs.existsSync(path.join(tmp.dir, 'run.ntm'))).toBe(true);
});

describe('building blocks', () => {
  test('parentsFirst visits each row after its parent, and refuses a parent listed after its child', () => {
    // 0 → -1, 1 → 0, 2 → 0, 3 → 2, 4 → -1
    const parent = Int32Array.of(-1, 0, 0, 2, -1);
    expect([...stackDepths(parent)]).toEqual([1, 2, 2, 3, 1]);
    const seen: number[] = [];
    parentsFirst(parent, (row, p) => {
      if (p >= 0) expect(seen).toContain(p);
      seen.push(row);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // From a row on: the rows before it are done (statistics' traceback keys grow so).
    const later: number[] = [];
    parentsFirst(parent, (row) => later.push(row), 3);
    expect(later).toEqual([3, 4]);
    expect([...markCallers(parent, Uint8Array.of(0, 0, 0, 1, 0))]).toEqual([1, 0, 1, 1, 0]);
    // A parent after its child (a cycle needs one), out of range, or the row itself.
    for (const bad of [Int32Array.of(1, -1), Int32Array.of(1, 0), Int32Array.of(-1, 1), Int32Array.of(-2)]) {
      expect(() => stackDepths(bad)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: expect.stringMatching(/must come before it/),
        }),
      );
    }
  });

  test('a traceback extending another reads as one made from the whole list', () => {
    const frames = [
      new Frame('a.js', 1, 'a'),
      new Frame('b.js', 2, 'b'),
      new Frame('c.js', 3, 'c'),
      new Frame('d.js', 4, 'd'),
    ];
    const eager = new Traceback(frames);
    const linked = Traceback.extend(Traceback.extend(new Traceback(frames.slice(0, 2)), frames[2]), frames[3]);
    expect(linked.length).toBe(4);
    expect(linked.toArray()).toEqual(frames);
    expect([...linked]).toEqual(frames);
    for (const i of [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, NaN]) expect(linked.at(i)).toBe(eager.at(i));
    expect(linked.format(2, true)).toEqual(eager.format(2, true));
    expect(String(linked)).toBe('a.js:1');
  });

  test('statistics of a table with shared callers match a walk of every traceback', () => {
    // Sampled sizes (fractional): the sums run in another order than the walk, so equal to within rounding.
    // 0 → 1 → 2 and 0 → 3 → 4 → 5: function 0 recurs on each path.
    const table: ProfileTable = {
      ...chainTable({ depth: 6, distinct: 2 }),
      stackFrame: Uint32Array.of(0, 1, 0, 1, 0, 1),
      stackParent: Int32Array.of(-1, 0, 1, 0, 3, 4),
      sampleStack: Uint32Array.of(5, 2, 1, 1, 4),
      sampleSize: Float64Array.of(1.5, 2.25, 3.125, 0.3, 7),
      sampleCount: Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5),
      sampleId: new Float64Array(5),
      sampleDomain: new Uint32Array(5),
    };
    const snapshot = new Snapshot(table, { tracebackLimit: 8, interval: 512 });
    const walked = new Map<string, [number, number]>();
    for (const trace of snapshot.traces) {
      for (const frame of trace.traceback) {
        const [size, count] = walked.get(frame.functionName) ?? [0, 0];
        walked.set(frame.functionName, [size + trace.size, count + trace.count]);
      }
    }
    const stats = snapshot.statistics('function', true);
    expect(stats).toHaveLength(walked.size);
    for (const s of stats) {
      const [size, count] = walked.get(s.traceback.at(0)!.functionName)!;
      expect(s.size).toBeCloseTo(size, 12);
      expect(s.count).toBeCloseTo(count, 12);
    }
  });

  test('a hand-made table listing a parent after its child is refused by every walk, not misread', () => {
    // The same stacks as a table could hold them before parents came first: 0 → 5 → 3 → 1 → -1.
    const table: ProfileTable = {
      ...chainTable({ depth: 6, distinct: 2 }),
      stackFrame: Uint32Array.of(0, 1, 0, 1, 0, 1),
      stackParent: Int32Array.of(5, -1, 1, 1, 2, 3),
      sampleStack: Uint32Array.of(0, 4),
      sampleSize: Float64Array.of(1, 2),
      sampleCount: Float64Array.of(1, 1),
      sampleId: new Float64Array(2),
      sampleDomain: new Uint32Array(2),
    };
    const snapshot = new Snapshot(table, { tracebackLimit: 8, interval: 1 });
    const refused = expect.objectContaining({
      code: 'ERR_INVALID_ARG_VALUE',
      message: "stack 0 has parent 5: a stack row's parent must come before it (stackParent[row] < row, or -1)",
    });
    expect(() => snapshot.traces.at(0)).toThrow(refused);
    expect(() => snapshot.statistics('lineno')).toThrow(refused);
    expect(() => snapshot.statistics('lineno', true)).toThrow(refused);
    expect(() => snapshot.statistics('traceback')).toThrow(refused);
    expect(() => toCollapsed(snapshot)).toThrow(refused);
    expect(() => encodePprof(snapshot)).toThrow(refused);
    expect(() => encodeSnapshotJson(snapshot)).toThrow(refused);
    expect(() => encodeSnapshot(snapshot)).toThrow(/stack 0 has parent 5, not a row before it/);
  });
});
