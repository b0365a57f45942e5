// Leak watch: the trend logic on series whose answer is known, then real V8
// (a deterministic leaking program under exact tracing), then the timer
// through register's variables and `tracemalloc run --watch-leaks`.
import * as path from 'node:path';
import { formatLeak, LeakWatcher, watchLeaks, type LeakReport } from '../lib/faces/leak-watch';
import { Snapshot } from '../lib/model/snapshot';
import { TableBuilder } from '../lib/model/table';
import * as tm from '../lib/tracer/tracemalloc';
import { DETERMINISTIC_FLAGS, repoRoot, runNode } from './helpers/child';
import { cli, node, tempDir } from './helpers/cli';
import { stopTracingAfterEach } from './helpers/tracing';

const PROD = path.join(repoRoot, 'test', 'fixtures', 'prod');

/** A snapshot with one trace per site: `sizes[name]` bytes allocated in function `name` of /app/<name>.js. */
function snap(sizes: Record<string, number>, interval = 1): Snapshot {
  return Snapshot.fromTraces(
    Object.entries(sizes)
      .filter(([, size]) => size > 0)
      .map(([name, size]) => ({
        domain: 0,
        size,
        count: size / 50,
        frames: [{ filename: `/app/${name}.js`, lineno: 1, functionName: name }],
      })),
    1,
    { interval },
  );
}

/** Feeds `series(i)` at i × 1 s for i in [0, n); returns, per observation, the functions newly reported. */
function feed(
  watcher: LeakWatcher,
  n: number,
  series: (i: number) => Record<string, number>,
  interval = 1,
): { at: number; reports: LeakReport[] }[] {
  const out: { at: number; reports: LeakReport[] }[] = [];
  for (let i = 0; i < n; i++) {
    const reports = watcher.observe(snap(series(i), interval), i * 1000);
    if (reports.length > 0) out.push({ at: i, reports });
  }
  return out;
}

// A fixed pseudo-random sequence in [0, 1).
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return x - Math.floor(x);
}

describe('LeakWatcher on known series', () => {
  test('steady growth is reported once the window is full, with its rate and confidence; a step and noise are not', () => {
    const watcher = new LeakWatcher({ window: 10, warmup: 0 });
    const found = feed(watcher, 30, (i) => ({
      leak: 1000 + 500 * i,
      cache: i < 12 ? 0 : 8000, // filled once
      inflight: 1000 + Math.floor(4000 * noise(i)), // requests in flight
    }));
    // A window of 10 holding the step in its middle fits a line with t = 5 (p = 0.0005): only growth in both halves tells it from a leak.
    expect(found.map((f) => [f.at, f.reports.map((r) => r.functionName)])).toEqual([[9, ['leak']]]);
    const report = found[0].reports[0];
    expect(report).toMatchObject({
      filename: '/app/leak.js',
      lineno: 1,
      rate: 500,
      rateError: 0,
      confidence: 1,
      points: 10,
      spanMs: 9000,
      size: 5500,
    });
    expect(formatLeak(report)).toBe(
      'leak suspected: /app/leak.js:1 leak: +500 B/s ± 0 B/s over 10 snapshots in 9.0 s, confidence 100% (t = ∞); 5500 B live (exact sizes)',
    );
    expect(watcher.suspects.map((r) => r.functionName)).toEqual(['leak']);
  });

  test('noisy growth: reported with a confidence below 1 and the fitted rate', () => {
    const watcher = new LeakWatcher({ window: 8, warmup: 0 });
    const found = feed(watcher, 8, (i) => ({ leak: 10_000 + 1000 * i + 600 * (noise(i) - 0.5) }));
    expect(found).toHaveLength(1);
    const [report] = found[0].reports;
    expect(report.rate).toBeGreaterThan(900);
    expect(report.rate).toBeLessThan(1100);
    expect(report.confidence).toBeGreaterThan(0.99);
    expect(report.confidence).toBeLessThan(1);
  });

  test('warm-up: the first snapshots are ignored (default half a window)', () => {
    const watcher = new LeakWatcher({ window: 6 });
    const found = feed(watcher, 12, (i) => ({ leak: 1000 + 500 * i, warming: Math.min(i, 5) * 4000 }));
    // Warm-up growth (snapshots 0-5) fills a window of its own; ignoring 3 snapshots, the leak is reported at snapshot 3 + 6.
    expect(found.map((f) => [f.at, f.reports.map((r) => r.functionName)])).toEqual([[8, ['leak']]]);
  });

  test('a site is reported once, cleared after a whole window without growth, and reported again when it resumes', () => {
    const watcher = new LeakWatcher({ window: 5, warmup: 0 });
    const level = (i: number): number => (i < 10 ? 100 * i : i < 20 ? 1000 : 1000 + 100 * (i - 20));
    const found = feed(watcher, 30, (i) => ({ leak: 1 + level(i) }));
    // Flat from 10: failing from 13, cleared a window later; growing again from 21, seen by the window 19-23.
    expect(found.map((f) => f.at)).toEqual([4, 23]);
  });

  test('the confidence is adjusted for the number of sites judged (Bonferroni)', () => {
    const trendy = (i: number): number => 10_000 + 1000 * i + 1500 * (noise(i) - 0.5);
    const alone = feed(new LeakWatcher({ window: 8, warmup: 0 }), 8, (i) => ({ leak: trendy(i) }))[0].reports[0];
    const others = (i: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`flat${k}`, 5000 + 3000 * noise(i * 10 + k)]));
    const amongTen = feed(new LeakWatcher({ window: 8, warmup: 0 }), 8, (i) => ({ leak: trendy(i), ...others(i) }))[0]
      .reports[0];
    const p = 1 - alone.confidence;
    expect(p).toBeGreaterThan(0);
    expect(amongTen.confidence).toBeCloseTo(1 - 10 * p, 12);
  });

  test('sampled: growth of less than two samples over the window is not reported', () => {
    const interval = 1000;
    // A clean line, 9 s long: 1500 B is 1.5 samples, 2500 B is 2.5.
    expect(
      feed(new LeakWatcher({ window: 10, warmup: 0 }), 10, (i) => ({ leak: 5000 + (1500 / 9) * i }), interval),
    ).toEqual([]);
    expect(
      feed(new LeakWatcher({ window: 10, warmup: 0 }), 10, (i) => ({ leak: 5000 + (2500 / 9) * i }), interval),
    ).toHaveLength(1);
  });

  test('what a site held at the window start must still be alive: growth made of ever new objects is churn, not a leak', () => {
    // Each snapshot: the site's traces, one per V8 sample id; a leak keeps ids 1..n, churn replaces them all.
    const snapshotOf = (ids: number[]): Snapshot => {
      const builder = new TableBuilder();
      const stack = builder.stack([{ filename: '/app/site.js', lineno: 1, functionName: 'site' }]);
      for (const id of ids) builder.sample(stack, 100, 1, 0, id);
      return new Snapshot(builder.build(), { tracebackLimit: 1, interval: 1 });
    };
    const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + k);
    const run = (idsAt: (i: number) => number[]): number[] => {
      const watcher = new LeakWatcher({ window: 6, warmup: 0 });
      return Array.from({ length: 12 }, (_, i) => watcher.observe(snapshotOf(idsAt(i)), i * 1000).length);
    };
    expect(run((i) => range(1, 10 + 5 * i))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(run((i) => range(1000 * (i + 1), 10 + 5 * i))).toEqual(new Array(12).fill(0));
  });

  test('minRate and confidence hold back weak trends', () => {
    const series = (i: number): Record<string, number> => ({ slow: 100 + 2 * i });
    expect(feed(new LeakWatcher({ window: 5, warmup: 0, minRate: 5 }), 10, series)).toEqual([]);
    expect(feed(new LeakWatcher({ window: 5, warmup: 0, minRate: 1 }), 10, series)).toHaveLength(1);
  });

  test('options and time order are checked', () => {
    expect(() => new LeakWatcher({ window: 3 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new LeakWatcher({ confidence: 1 })).toThrow(/confidence must be a number in \[0\.5; 1\)/);
    expect(() => new LeakWatcher({ key: 'size' as never })).toThrow(
      /key must be one of filename, lineno, function, traceback/,
    );
    expect(() => new LeakWatcher({ every: 10 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    const watcher = new LeakWatcher({ warmup: 0 });
    watcher.observe(snap({ a: 1 }), 1000);
    expect(() => watcher.observe(snap({ a: 2 }), 1000)).toThrow(/observations must come in time order/);
  });
});

describe('a deterministic leaking program (exact tracing, real V8)', () => {
  interface Tick {
    tick: number;
    leakSize: number;
    reports: (Omit<LeakReport, 'traceback'> & { line: string })[];
    suspects: string[];
  }
  const result = runNode([...DETERMINISTIC_FLAGS, path.join(PROD, 'leaky-program.js'), '1', '6']);
  const ticks = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Tick)
    .filter((t) => t.tick !== undefined);

  test('the helper leaking into a Map is reported at snapshot warm-up + window, at its exact rate; the cache and the requests never', () => {
    expect(result.status).toBe(0);
    expect(ticks).toHaveLength(24);
    const reported = ticks.flatMap((t) => t.reports.map((r) => ({ tick: t.tick, fn: r.functionName, report: r })));
    const first = reported[0];
    // Warm-up 3 snapshots, window 6: the first judgement is at tick 9.
    expect([first.tick, first.fn]).toEqual([9, 'rememberRequest']);
    // 50 identical entries per tick, every allocation recorded: the live size grows by the same bytes each tick.
    const perTick = ticks[8].leakSize - ticks[7].leakSize;
    expect(ticks.slice(4, 9).every((t, i) => t.leakSize - ticks[3 + i].leakSize === perTick)).toBe(true);
    expect(first.report.rate).toBeCloseTo(perTick, 6); // bytes per (1 s) tick
    expect(first.report.confidence).toBe(1);
    expect(first.report.line).toMatch(
      /^leak suspected: \S+leaky-program\.js:\d+ rememberRequest: \+\d+ B\/s ± 0 B\/s over 6 snapshots in 5\.0 s, confidence 100% \(t = ∞\); [\d.]+ KiB live \(exact sizes\)$/,
    );
    // Only the leak: the helper's objects, and the Map's own table growing under it (a builtin frame, no file).
    for (const r of reported) expect(['rememberRequest', '']).toContain(r.fn);
    expect(ticks[ticks.length - 1].suspects).toContain('rememberRequest');
  });
});

describe('watchLeaks', () => {
  stopTracingAfterEach();

  test('needs tracing', () => {
    expect(() => watchLeaks()).toThrow(expect.objectContaining({ code: 'ERR_TRACEMALLOC_NOT_TRACING' }));
  });

  test('stops with a warning, never an exception, when tracing stops under it', async () => {
    tm.start(1, { interval: 64 * 1024 });
    // Jest's sandboxed process does not relay 'warning' events: watch the call itself.
    const emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const watch = watchLeaks({ every: 10 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      tm.stop();
      for (let i = 0; i < 200 && emitted.mock.calls.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      watch.stop();
      expect(emitted.mock.calls).toHaveLength(1);
      const [message, options] = emitted.mock.calls[0] as [string, { type: string; code: string }];
      expect(message).toMatch(/^leak watch stopped: the tracemalloc module must be tracing/);
      expect(options).toEqual({ type: 'TracemallocWarning', code: 'TRACEMALLOC_LEAK_WATCH_STOPPED' });
    } finally {
      emitted.mockRestore();
    }
  });

  test('options are checked', () => {
    tm.start(1, { interval: 64 * 1024 });
    expect(() => watchLeaks({ every: 'often' })).toThrow(/^every: invalid period: "often"/);
    expect(() => watchLeaks({ onLeak: 1 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('under register and tracemalloc run', () => {
  const APP = path.join(PROD, 'allocating-app.js');
  // 200 objects kept every 10 ms; sampled every 16 KiB, a snapshot every 100 ms.
  const leaking = { PER_TICK: '200', FIRST: '100', RUN_MS: '3000' };

  test('NODE_TRACEMALLOC_WATCH_LEAKS reports the leaking function on stderr', () => {
    const result = node(['-r', 'node-tracemalloc/register', APP], {
      env: {
        ...leaking,
        NODE_TRACEMALLOC: '1',
        NODE_TRACEMALLOC_INTERVAL: '16K',
        NODE_TRACEMALLOC_WATCH_LEAKS: '100ms',
        NODE_TRACEMALLOC_WATCH_LEAKS_WINDOW: '5',
      },
    });
    expect(result.status).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(
        /^node-tracemalloc: leak suspected: \S+allocating-app\.js:8 leakyAllocator: \+[\d.]+ [KM]?i?B\/s ± .* over 5 snapshots in 0\.\d s, confidence 99\.\d+% \(t = [\d.]+\); .* live \(estimated\)$/,
      );
    }
  });

  test('tracemalloc run --watch-leaks', () => {
    const tmp = tempDir('watch');
    try {
      const result = cli(['run', '-i', '16K', '--watch-leaks', '100ms', '--leak-window', '5', '-o', 'w.ntm', APP], {
        cwd: tmp.dir,
        env: leaking,
      });
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(/^node-tracemalloc: leak suspected: \S+allocating-app\.js:8 leakyAllocator: /);
      expect(cli(['run', '--leak-window', '2', APP]).stderr).toMatch(
        /^tracemalloc run: --leak-window: invalid window: "2" \(expected 4 to 10000 snapshots\)/,
      );
      expect(cli(['run', '--watch-leaks', 'soon', APP]).stderr).toMatch(
        /^tracemalloc run: --watch-leaks: invalid period: "soon"/,
      );
    } finally {
      tmp.remove();
    }
  });

  test('a bad window stops the program before it runs (NODE_TRACEMALLOC_ON_ERROR=fail)', () => {
    const result = node(['-r', 'node-tracemalloc/register', APP], {
      env: {
        NODE_TRACEMALLOC: '1',
        NODE_TRACEMALLOC_ON_ERROR: 'fail',
        NODE_TRACEMALLOC_WATCH_LEAKS: '1s',
        NODE_TRACEMALLOC_WATCH_LEAKS_WINDOW: 'x',
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'node-tracemalloc: NODE_TRACEMALLOC_WATCH_LEAKS_WINDOW: invalid window: "x" (expected 4 to 10000 snapshots)\n',
    );
  });
});
