// limitMemory / limitLeaks: passing and failing on purpose, the error type
// and message; the node:test fixture run in a child process.
import { AssertionError } from 'node:assert';
import * as path from 'node:path';
import { fixtures, runNode } from './helpers/child';
import * as tm from '../lib/tracer/tracemalloc';
import { Filter } from '../lib/model/filter';
import { limitLeaks, limitMemory, MemoryLimitError } from '../lib/measure/limits';

afterEach(() => {
  tm.stop();
});

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function caught(fn: () => unknown): MemoryLimitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MemoryLimitError) return error;
    throw error;
  }
  throw new Error('expected a MemoryLimitError');
}

// About 4 MB alive at once: 1000 arrays of 500 small integers.
function holdFourMegabytes(): number {
  const keep: number[][] = [];
  for (let i = 0; i < 1000; i++) keep.push(new Array<number>(500).fill(i));
  return keep.length;
}

// About 1.4 MB of arrays, garbage once it returns: at limitMemory's default
// interval for '24 MB' (23 KiB) some 60 expected samples, so the snapshot is
// never empty by chance (1000 arrays, ~2 samples, came back empty once in
// CI). Kept in `batch` until then: optimized code could elide an array that
// never escapes.
function makeGarbage(): number {
  const batch: number[][] = [];
  for (let i = 0; i < 20000; i++) batch.push([i, i + 1, i + 2]);
  let total = 0;
  for (const b of batch) total += b.length;
  return total;
}

const retained: object[] = [];
function leakObjects(n: number): void {
  for (let i = 0; i < n; i++) retained.push({ leaked: i });
}

describe('limitMemory', () => {
  test('passes under the limit and reports the peak and the allocations', () => {
    const report = limitMemory(makeGarbage, '24 MB');
    expect(report.allocatedBytes).toBeGreaterThan(1000 * 4 * 8);
    expect(report.peakBytes).toBeLessThan(24e6);
    expect(report.snapshot.totalSize).toBeGreaterThan(0);
  });

  test('fails over the limit with an AssertionError showing the top sites', () => {
    const error = caught(() => limitMemory(holdFourMegabytes, '1 MB'));
    expect(error).toBeInstanceOf(AssertionError);
    expect(error).toMatchObject({
      name: 'MemoryLimitError',
      code: 'ERR_ASSERTION',
      kind: 'memory',
      limit: 1e6,
      operator: '<=',
    });
    // The hold is 4.05 MB (1000 × 4048 B). Growth is the heap's, not fn's
    // allocation: objects older than fn that a full GC kept (compiled code,
    // jest's caches) can die while fn runs and offset it, by up to 200 KB seen
    // on a loaded 2-core CI; 10% below the hold leaves room for that.
    expect(error.measured).toBeGreaterThan(0.9 * 4.05e6);
    expect(error.actual).toBe(error.measured);
    expect(error.expected).toBe(1e6);
    expect(error.message).toMatch(
      /^Test was limited to 1 MB \(1000000 B\) but its JS heap grew by [\d.]+ (KiB|MiB) \(\d+ B\) at its peak\n/,
    );
    expect(error.message).toMatch(
      /Allocated while it ran: [\d.]+ (KiB|MiB)\. Top allocation sites \(sampled every 976 B: sizes are estimates\):\n/,
    );
    expect(error.message).toMatch(
      new RegExp(`\\n  ${escaped(__filename)}:\\d+: size=[\\d.]+ (KiB|MiB), count=\\d+, average=\\d+ B`),
    );
    expect(tm.isTracing()).toBe(false);
  });

  test('interval 1 records every allocation', () => {
    const error = caught(() => limitMemory(holdFourMegabytes, '1 MiB', { interval: 1 }));
    expect(error.message).toContain('Test was limited to 1 MiB (1048576 B)');
    expect(error.message).toContain('(every allocation recorded)');
    expect(error.snapshot.exact).toBe(true);
  });

  test('async bodies are awaited', async () => {
    const report = await limitMemory(async () => {
      await null;
      return makeGarbage();
    }, '10 MB');
    expect(report.allocatedBytes).toBeGreaterThan(0);
    await expect(
      limitMemory(async () => {
        await null;
        return holdFourMegabytes();
      }, '1 MB'),
    ).rejects.toBeInstanceOf(MemoryLimitError);
  });
});

describe('limitLeaks', () => {
  test('garbage is not a leak', () => {
    // The limit allows what V8 keeps for the code itself: optimized code,
    // its deoptimization data, allocation sites (about 1 KB here), charged
    // to whichever call V8 optimizes makeGarbage in.
    const report = limitLeaks(
      () => {
        for (let i = 0; i < 100; i++) makeGarbage();
      },
      '16 KB',
      { warmup: 2 },
    );
    expect(report.leakedBytes).toBeLessThan(16_000);
  });

  test('fails when a call stack leaks over the limit, showing it', () => {
    const error = caught(() => limitLeaks(() => leakObjects(1000), '1 KB', { warmup: 1 }));
    expect(error).toBeInstanceOf(AssertionError);
    expect(error).toMatchObject({ kind: 'leaks', limit: 1000 });
    expect(error.measured).toBeGreaterThanOrEqual(1000 * 4 * 8);
    expect(error.message).toMatch(
      /^Test was limited to leaking 1 KB \(1000 B\) per call stack but \d call stacks? left more alive after a full GC:\n/,
    );
    expect(error.message).toMatch(
      new RegExp(
        `  [\\d.]+ KiB in 10\\d\\d objects, allocated at:\\n    File "${escaped(__filename)}", line \\d+, in leakObjects\\n`,
      ),
    );
    // The frames below the test body (this package's, the test runner's) are left out.
    expect(error.message).not.toContain(path.join('lib', 'limits.ts'));
    expect(error.message).not.toContain('jest-circus');
  });

  test("a filter function ignores known leaks, as pytest-memray's filter_fn", () => {
    const seen: string[] = [];
    const report = limitLeaks(() => leakObjects(1000), '1 KB', {
      warmup: 1,
      filter: (site) => {
        seen.push(String(site.traceback.at(-1)?.functionName));
        return !site.traceback.toArray().some((frame) => frame.functionName === 'leakObjects');
      },
    });
    expect(seen).toContain('leakObjects');
    expect(report.leakedBytes).toBeGreaterThanOrEqual(1000 * 4 * 8);
  });

  test('trace filters are applied first', () => {
    const report = limitLeaks(() => leakObjects(1000), '1 KB', {
      warmup: 1,
      filter: [new Filter(false, __filename, undefined, true)],
    });
    expect(report.leakedBytes).toBe(0);
  });

  test('bad arguments', () => {
    expect(() => limitLeaks(() => undefined, 'a lot')).toThrow(/Invalid size "a lot"/);
    expect(() => limitLeaks(() => undefined, '1 KB', { filter: 3 as never })).toThrow(
      /Expected a function or an iterable of filters/,
    );
    expect(() => limitLeaks(() => undefined, '1 KB', { warmup: -1 })).toThrow(
      /warmup must be an integer number of calls ≥ 0/,
    );
    expect(() => limitMemory('nope' as never, '1 MB')).toThrow('Expected a function for fn but received string');
  });

  test('refuses to take the sampler from a caller who is tracing', () => {
    tm.start();
    expect(() => limitLeaks(() => undefined, '1 KB')).toThrow(/limitLeaks\(\) needs V8's sampling heap profiler/);
    expect(() => limitMemory(() => undefined, '1 KB')).toThrow(/limitMemory\(\) needs V8's sampling heap profiler/);
    expect(tm.isTracing()).toBe(true);
  });
});

describe('under node:test', () => {
  const fixture = path.join(fixtures, 'limits-node-test.js');

  test('the helpers pass and fail as node:test tests', () => {
    const result = runNode(['--test', '--test-reporter=tap', fixture]);
    expect(result.stdout).toMatch(/^# pass 4$/m);
    expect(result.stdout).toMatch(/^# fail 0$/m);
    expect(result.status).toBe(0);
  });

  test('a test over its limit fails with the MemoryLimitError and its sites', () => {
    const result = runNode(['--test', '--test-reporter=tap', fixture], { env: { LIMITS_FAIL: '1' } });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^not ok 5 - goes over its memory limit on purpose$/m);
    expect(result.stdout).toMatch(/Test was limited to 100 KB \(100000 B\) but its JS heap grew by [\d.]+ (KiB|MiB)/);
    expect(result.stdout).toMatch(/name: 'MemoryLimitError'/);
    expect(result.stdout).toMatch(/limits-node-test\.js:\d+: size=/);
    expect(result.stdout).toMatch(/^# fail 1$/m);
  });
});
