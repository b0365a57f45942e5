// The three views of a traced program: live (alive now), allocated
// (everything allocated, collected or not) and peak (alive when the heap was
// fullest). A batch program that builds a big Map in a module-level const
// and exits has nothing alive at exit; `tracemalloc run` and register's exit
// report must still name the function that built it.
import * as path from 'node:path';
import type { TopReport } from '../lib/faces/report';
import { loadSnapshot } from '../lib/model/dump';
import * as tm from '../lib/tracer/tracemalloc';
import { fixtures, runFixture } from './helpers/child';
import { cli, filesIn, lastJson, node, tempDir } from './helpers/cli';

const BUILD = path.join(fixtures, 'attribution', 'build.js');

type RunReport = TopReport & { dumps: string[] };

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('views');
});
afterEach(() => {
  tmp.remove();
  tm.stop();
});

function runBuild(args: string[]): { report: RunReport; stderr: string } {
  const result = cli(['run', ...args, '--json', BUILD], { cwd: tmp.dir });
  expect(result.stdout).toBe('built 300000 entries\n');
  expect(result.status).toBe(0);
  return { report: lastJson<RunReport>(result.stderr), stderr: result.stderr };
}

/** The top line of a report, as `file:function`. */
function top(report: TopReport): string {
  const first = report.stats[0];
  return first === undefined ? '(none)' : `${path.basename(first.filename)}:${first.function}`;
}

// The Map's entries are ~175 B each: 300,000 of them are ~50 MiB, all
// allocated in buildIndex (its backing store, ~25 MiB, in V8's Map.prototype.set).
const ENTRIES_BYTES = 300_000 * 175;

// What of buildIndex is alive at exit in the live view: none of the index,
// only what V8 keeps for its code (allocation sites and feedback of its
// literals, made by builtins and so charged to buildIndex), a few hundred
// bytes. A 512 KiB sample rarely lands there (mean well under 1 sample);
// 1 MiB needs 2 samples and 5 MiB 10: the bound keeps the index (~50 MiB)
// out without counting on no sample landing.
const LIVE_AT_EXIT_BOUND = 5 * 1024 * 1024;

describe('tracemalloc run on a batch program (build.js, never yields)', () => {
  test('default view: peak, the Map-building function on top', () => {
    const { report } = runBuild([]);
    expect(report.snapshot.view).toBe('peak');
    expect(top(report)).toBe('build.js:buildIndex');
    // Sampled at 512 KiB: ~100 samples behind 50 MiB, a relative error of
    // ~10% (1σ); half of it is 5σ away.
    expect(report.stats[0].size).toBeGreaterThan(ENTRIES_BYTES / 2);
  });

  test('--view allocated: the Map-building function on top', () => {
    const { report } = runBuild(['--view', 'allocated']);
    expect(report.snapshot.view).toBe('allocated');
    expect(top(report)).toBe('build.js:buildIndex');
    expect(report.stats[0].size).toBeGreaterThan(ENTRIES_BYTES / 2);
  });

  test('exact, --view peak: the whole index, counted', () => {
    const { report } = runBuild(['--exact', '--key', 'function']);
    expect(top(report)).toBe('build.js:buildIndex');
    // Each entry is at least one allocation (optimized code folds the
    // object, its array and the array's elements into one). The capture
    // holds at least 1/1.1 of the peak heap, entries E and Map table T:
    // E_c + T_c ≥ (E + T) / 1.1 with T_c ≤ T, so E_c ≥ E / 1.1 − 0.09 T;
    // T is under half of E (24.6 against 52.8 MiB), so E_c > 0.86 E.
    expect(report.stats[0].count).toBeGreaterThan(0.8 * 300_000);
  });

  test('--view live: nothing of the index is alive at exit, and the report says where else to look', () => {
    const result = cli(['run', '--view', 'live', BUILD], { cwd: tmp.dir });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'view: live: objects alive when the snapshot was taken (not what was freed before: the peak and allocated views keep it: --view, NODE_TRACEMALLOC_VIEW)',
    );
    const { report } = runBuild(['--view', 'live']);
    expect(report.snapshot.view).toBe('live');
    const built = report.stats.find((s) => s.function === 'buildIndex');
    expect(built?.size ?? 0).toBeLessThan(LIVE_AT_EXIT_BOUND);
  });

  test('the text report names the view', () => {
    const result = cli(['run', BUILD], { cwd: tmp.dir });
    expect(result.stderr).toMatch(
      /\nview: peak: objects alive when the JS heap was fullest \(within 10%\), even if freed since \(\d{4}-\d\d-\d\dT/,
    );
    const dump = loadSnapshot(filesIn(tmp.dir, /\.ntm$/)[0]);
    expect(dump.view).toBe('peak');
    expect(dump.inlining).toBe(false);
  });

  test('--view rejects an unknown view', () => {
    const result = cli(['run', '--view', 'max', BUILD], { cwd: tmp.dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--view: invalid view: "max"');
  });
});

describe("register's exit report", () => {
  test('NODE_TRACEMALLOC_VIEW chooses the view; peak by default', () => {
    const report = (env: NodeJS.ProcessEnv): string => {
      const result = node(['-r', path.join(__dirname, '..', 'dist', 'register.js'), BUILD], {
        env: { NODE_TRACEMALLOC: '4', NODE_TRACEMALLOC_REPORT: '3', ...env },
      });
      expect(result.status).toBe(0);
      return result.stderr;
    };
    const peak = report({});
    expect(peak).toContain('view: peak');
    expect(peak).toMatch(/\n\s*[\d.]+ MiB\s+[\d.]+ \S+\s+\d+\s+\d+\s+\d+\s+[\d.]+ \S+\s+\S*build\.js:8\s+buildIndex\n/);
    const allocated = report({ NODE_TRACEMALLOC_VIEW: 'allocated' });
    expect(allocated).toContain('view: allocated');
    expect(allocated).toMatch(
      /\n\s*[\d.]+ MiB\s+[\d.]+ \S+\s+\d+\s+\d+\s+\d+\s+[\d.]+ \S+\s+\S*build\.js:8\s+buildIndex\n/,
    );
    const live = report({ NODE_TRACEMALLOC_VIEW: 'live' });
    expect(live).toContain('view: live');
    // No MiB row for buildIndex: fewer than 2 samples (see LIVE_AT_EXIT_BOUND).
    expect(live).not.toMatch(/\n\s*[\d.]+ MiB\s.*\bbuildIndex\n/);
  });
});

describe('takeSnapshot({ view })', () => {
  test('peak: what was alive when the heap was fullest, in a program that never yields', () => {
    tm.start(1, { interval: 64 * 1024, peak: true });
    let index: Map<number, number[]> | null = new Map();
    for (let i = 0; i < 200_000; i++) index.set(i, [i, i, i, i]);
    const built = index.size;
    index = null;
    const peak = tm.takeSnapshot({ view: 'peak' });
    const live = tm.takeSnapshot({ view: 'live' });
    expect(built).toBe(200_000);
    expect(peak.view).toBe('peak');
    expect(live.view).toBe('live');
    // 200,000 arrays of 4 elements (~56 B each) and the Map's table: over
    // 10 MiB at the peak; the live view lost them (under 1 MiB left).
    expect(peak.totalSize).toBeGreaterThan(10 * 1024 * 1024);
    expect(live.totalSize).toBeLessThan(1024 * 1024);
    const here = peak.statistics('filename').find((s) => s.traceback.at(-1)?.filename === __filename);
    expect(here?.size).toBeGreaterThan(5 * 1024 * 1024);
  });

  test('allocated: collected objects included; live unavailable before Node 26 while they are kept', () => {
    tm.start(1, { interval: 1, allocated: true });
    for (let i = 0; i < 1000; i++) void [i];
    const all = tm.takeSnapshot();
    expect(all.view).toBe('allocated');
    const here = all.statistics('filename').find((s) => s.traceback.at(-1)?.filename === __filename);
    expect(here?.count).toBeGreaterThanOrEqual(1000);
    if (Number.parseInt(process.versions.node, 10) >= 26) {
      // V8 marks each sample live or not: one profile, both views.
      const live = tm.takeSnapshot({ view: 'live' });
      expect(live.view).toBe('live');
      const liveHere = live.statistics('filename').find((s) => s.traceback.at(-1)?.filename === __filename);
      expect(liveHere?.count ?? 0).toBeLessThan(1000);
    } else {
      expect(() => tm.takeSnapshot({ view: 'live' })).toThrow(
        expect.objectContaining({ code: 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE' }) as Error,
      );
    }
  });

  test('a view tracing was not started for is refused, with a coded error', () => {
    tm.start(1);
    expect(() => tm.takeSnapshot({ view: 'peak' })).toThrow(
      expect.objectContaining({ code: 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE' }) as Error,
    );
    expect(() => tm.takeSnapshot({ view: 'allocated' })).toThrow(
      expect.objectContaining({ code: 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE' }) as Error,
    );
    expect(() => tm.takeSnapshot({ view: 'max' as 'peak' })).toThrow(RangeError);
    expect(tm.takeSnapshot().view).toBe('live');
  });

  test('clearTraces() keeps the peak armed, and forgets the old capture', () => {
    tm.start(1, { interval: 64 * 1024, peak: true });
    let big: number[][] | null = Array.from({ length: 100_000 }, (_, i) => [i, i]);
    big = null;
    expect(big).toBeNull();
    tm.clearTraces();
    const peak = tm.takeSnapshot({ view: 'peak' });
    expect(peak.totalSize).toBeLessThan(1024 * 1024);
  });

  test('peak and allocated together: on Node 26, else refused', () => {
    if (Number.parseInt(process.versions.node, 10) >= 26) {
      tm.start(1, { allocated: true, peak: true });
      expect(tm.takeSnapshot({ view: 'peak' }).view).toBe('peak');
    } else {
      expect(() => tm.start(1, { allocated: true, peak: true })).toThrow(
        expect.objectContaining({ code: 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE' }) as Error,
      );
      expect(tm.isTracing()).toBe(false);
    }
  });
});

describe('peak in worker threads', () => {
  test('workers keeping the peak, terminated in a loop that never yields, end cleanly', () => {
    const result = runFixture<{ ended: number; peaks: number[] }>(path.join('attribution', 'peak-workers.js'));
    expect(result.ended).toBe(12);
    // 200,000 objects and strings of ~60 B each, sampled every 4 KiB.
    for (const peak of result.peaks) expect(peak).toBeGreaterThan(5 * 1024 * 1024);
  });
});
