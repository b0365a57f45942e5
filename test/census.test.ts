// countObjects(): an object census counted natively from a real V8 heap
// snapshot; diffCensus/formatCensus over it. No mocks: every census here is
// this jest worker's own heap (or a worker thread's).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  censusLabel,
  countObjects,
  diffCensus,
  formatCensus,
  formatCensusDiff,
  type Census,
  type CensusEntry,
} from '../lib/tracer/census';
import { native } from '../lib/tracer/native';
import * as tm from '../lib/tracer/tracemalloc';
import { repoRoot } from './helpers/child';
import { stopTracingAfterEach } from './helpers/tracing';

// Names no other code in the process uses, so counts can be exact.
class CensusProbeWidget {
  constructor(
    readonly id: number,
    readonly label: string,
  ) {}
}

function makeWidgets(n: number): CensusProbeWidget[] {
  const out: CensusProbeWidget[] = [];
  for (let i = 0; i < n; i++) out.push(new CensusProbeWidget(i, 'w'));
  return out;
}

function makeHandlers(n: number): Array<() => number> {
  const out: Array<() => number> = [];
  for (let i = 0; i < n; i++) {
    out.push(function censusProbeHandler() {
      return i;
    });
  }
  return out;
}

function find(census: Census, name: string, type = 'object'): CensusEntry | undefined {
  return census.byType.find((e) => e.name === name && e.type === type);
}

stopTracingAfterEach();

describe('countObjects', () => {
  // A census of jest's own heap takes seconds (V8 builds a full heap
  // snapshot): the tests share the two taken here.
  let before: Census;
  let after: Census;
  const kept: { widgets: CensusProbeWidget[] | null; handlers: Array<() => number> } = { widgets: null, handlers: [] };

  beforeAll(() => {
    before = countObjects();
    kept.widgets = makeWidgets(10_000);
    kept.handlers = makeHandlers(500);
    after = countObjects();
  });

  test('finds 10000 live instances of a class, exactly, by constructor name', () => {
    expect(find(before, 'CensusProbeWidget')).toBeUndefined();
    const entry = find(after, 'CensusProbeWidget');
    expect(entry).toBeDefined();
    expect(entry!.count).toBe(10_000);
    // Shallow size: header (map, properties, elements) plus two fields; no
    // more than a few hundred bytes per instance on any V8 configuration.
    const perInstance = entry!.size / entry!.count;
    expect(perInstance).toBeGreaterThanOrEqual(16);
    expect(perInstance).toBeLessThan(256);
    expect(Number.isInteger(perInstance)).toBe(true);

    const diff = diffCensus(before, after);
    const changed = diff.find((e) => e.name === 'CensusProbeWidget' && e.type === 'object');
    expect(changed).toMatchObject({ count: 10_000, countDiff: 10_000, size: entry!.size, sizeDiff: entry!.size });
    expect(formatCensusDiff([changed!])[0]).toMatch(
      /^CensusProbeWidget: count=10000 \(\+10000\), size=\d+(\.\d)? KiB \(\+\d+(\.\d)? KiB\)$/,
    );
  });

  test('groups closures by function name', () => {
    expect(find(before, 'censusProbeHandler', 'closure')).toBeUndefined();
    expect(find(after, 'censusProbeHandler', 'closure')?.count).toBe(500);
  });

  test('totals are the sum of the entries, sorted by size; synthetic roots apart', () => {
    const census = after;
    expect(census.total).toBe(census.byType.reduce((n, e) => n + e.count, 0));
    expect(census.totalSize).toBe(census.byType.reduce((n, e) => n + e.size, 0));
    expect(census.total).toBeGreaterThan(10_000);
    expect(census.byType.every((e, i, all) => i === 0 || all[i - 1].size >= e.size)).toBe(true);
    expect(census.byType.some((e) => e.type === 'synthetic')).toBe(false);
    expect(census.synthetic.count).toBeGreaterThan(0);
    const keys = new Set(census.byType.map((e) => `${e.type}/${e.name}`));
    expect(keys.size).toBe(census.byType.length);
    // The kinds the docs name.
    expect(find(census, 'Object')!.count).toBeGreaterThan(0);
    expect(find(census, 'Array')!.count).toBeGreaterThan(0);
    expect(find(census, 'string', 'string')!.count).toBeGreaterThan(0);
    expect(find(census, 'code', 'code')!.count).toBeGreaterThan(0);
    expect(find(census, '(anonymous)', 'closure')!.count).toBeGreaterThan(0);
  });

  test('released objects disappear from the next census (gc: true, the default)', () => {
    kept.widgets = null;
    kept.handlers = [];
    const census = countObjects();
    expect(find(census, 'CensusProbeWidget')).toBeUndefined();
    expect(find(census, 'censusProbeHandler', 'closure')).toBeUndefined();
  });

  test('gc: false still shows no garbage: V8 collects when it takes the snapshot', () => {
    makeWidgets(3_000); // garbage at once
    expect(find(countObjects({ gc: false }), 'CensusProbeWidget')).toBeUndefined();
  });

  test('works while tracing, and leaves tracing as it was', () => {
    tm.start(1);
    const holder = { widgets: makeWidgets(2_000) };
    expect(find(countObjects(), 'CensusProbeWidget')?.count).toBe(2_000);
    expect(tm.isTracing()).toBe(true);
    expect(tm.takeSnapshot().traces.length).toBeGreaterThan(0);
    expect(holder.widgets).toHaveLength(2_000);
  });

  test('bad options throw TypeError', () => {
    expect(() => countObjects({ gc: 1 } as never)).toThrow(TypeError);
    expect(() => countObjects({ gc: 1 } as never)).toThrow('Expected a boolean for gc but received 1 of type number');
    expect(() => countObjects({ collect: true } as never)).toThrow(/Unknown option "collect"/);
    expect(() => countObjects(true as never)).toThrow(TypeError);
    expect(() => countObjects(null as never)).toThrow(TypeError);
  });

  test('the binding checks its arguments too', () => {
    const b = native() as unknown as { countObjects(arg?: unknown): unknown };
    expect(() => b.countObjects({ gc: false })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('countObjects in a worker thread', () => {
  const distIndex = path.join(repoRoot, 'dist', 'entries', 'census.js');

  beforeAll(() => {
    // The worker loads the built package; build it if it predates census.ts.
    const built = fs.existsSync(distIndex) && fs.readFileSync(distIndex, 'utf8').includes('countObjects');
    if (!built) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'pipe' });
  });

  test('counts the worker isolate’s own heap', async () => {
    const script = `
      const { parentPort } = require('node:worker_threads');
      const tm = require(${JSON.stringify(distIndex)});
      class WorkerCensusThing { constructor(i) { this.i = i; } }
      const kept = [];
      for (let i = 0; i < 4000; i++) kept.push(new WorkerCensusThing(i));
      const census = tm.countObjects();
      const entry = census.byType.find((e) => e.type === 'object' && e.name === 'WorkerCensusThing');
      parentPort.postMessage({ count: entry ? entry.count : 0, total: census.total, kept: kept.length });
    `;
    const result = await new Promise<{ count: number; total: number }>((resolve, reject) => {
      const worker = new Worker(script, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
    });
    expect(result.count).toBe(4000);
    expect(result.total).toBeGreaterThan(4000);
  });
});

describe('diffCensus', () => {
  const entry = (name: string, type: string, count: number, size: number): CensusEntry => ({ name, type, count, size });
  const census = (...byType: CensusEntry[]): Census => ({
    total: byType.reduce((n, e) => n + e.count, 0),
    totalSize: byType.reduce((n, e) => n + e.size, 0),
    byType,
    synthetic: { count: 0, size: 0 },
  });

  test('includes keys found on one side only, sorted by absolute size change', () => {
    const older = census(entry('Gone', 'object', 5, 500), entry('Same', 'object', 3, 90), entry('x', 'closure', 1, 32));
    const newer = census(entry('Same', 'object', 3, 90), entry('New', 'object', 10, 320), entry('x', 'object', 2, 64));
    const diff = diffCensus(older, newer);
    expect(diff.map((e) => [e.name, e.type, e.countDiff, e.sizeDiff])).toEqual([
      ['Gone', 'object', -5, -500],
      ['New', 'object', 10, 320],
      ['x', 'object', 2, 64],
      ['x', 'closure', -1, -32],
      ['Same', 'object', 0, 0],
    ]);
    expect(diff[0]).toMatchObject({ count: 0, size: 0 });
  });

  test('rejects what is not a census', () => {
    expect(() => diffCensus({} as never, census())).toThrow(TypeError);
    expect(() => diffCensus(census(), null as never)).toThrow(TypeError);
  });
});

describe('formatCensus / formatCensusDiff', () => {
  const c: Census = {
    total: 10_003,
    totalSize: 400_000 + 720 + 64,
    byType: [
      { name: 'MyObject', type: 'object', count: 10_000, size: 400_000 },
      { name: 'code', type: 'code', count: 2, size: 720 },
      { name: 'onData', type: 'closure', count: 1, size: 64 },
    ],
    synthetic: { count: 3, size: 0 },
  };

  test('one line per entry, Python tracemalloc style, at most limit', () => {
    expect(formatCensus(c)).toEqual([
      'MyObject: count=10000, size=391 KiB',
      '(code): count=2, size=720 B',
      'onData (closure): count=1, size=64 B',
    ]);
    expect(formatCensus(c, 1)).toEqual(['MyObject: count=10000, size=391 KiB']);
    expect(formatCensus(c, 0)).toEqual([]);
    expect(() => formatCensus(c, -1)).toThrow(RangeError);
  });

  test('diff lines carry signed changes', () => {
    const empty: Census = { total: 0, totalSize: 0, byType: [], synthetic: { count: 0, size: 0 } };
    expect(formatCensusDiff(diffCensus(empty, c), 2)).toEqual([
      'MyObject: count=10000 (+10000), size=391 KiB (+391 KiB)',
      '(code): count=2 (+2), size=720 B (+720 B)',
    ]);
    expect(formatCensusDiff(diffCensus(c, empty), 1)).toEqual(['MyObject: count=0 (-10000), size=0 B (-391 KiB)']);
    expect(() => formatCensusDiff('x' as never)).toThrow(TypeError);
  });

  test('labels', () => {
    expect(censusLabel({ name: 'Array', type: 'object' })).toBe('Array');
    expect(censusLabel({ name: 'concatenated string', type: 'concatenated string' })).toBe('(concatenated string)');
    expect(censusLabel({ name: 'system / JSArrayBufferData', type: 'native' })).toBe(
      'system / JSArrayBufferData (native)',
    );
  });
});
