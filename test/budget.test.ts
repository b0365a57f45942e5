// The overhead budget (lib/budget.ts): the interval is chosen once, at start,
// from the allocation rate measured during calibration, on real V8.
import * as tm from '../lib/tracemalloc';
import { chooseInterval, sampleCostMicros, startWithBudget } from '../lib/budget';
import { stopTracingAfterEach } from './helpers/tracing';

stopTracingAfterEach();

describe('chooseInterval', () => {
  test('interval = rate × cost per sample / budget, rounded up to a power of two', () => {
    // 100 MB/s at 1 frame: 2.2 µs per sample; 1% → 22,000 B → 32 KiB.
    const c = chooseInterval(100e6, 1, { maxOverhead: 0.01 });
    expect(c.sampleCostMicros).toBeCloseTo(2.2, 10);
    expect(c.interval).toBe(32768);
    expect(c.samplesPerSecond).toBeCloseTo(100e6 / 32768, 6);
    expect(c.expectedOverhead).toBeLessThanOrEqual(0.01);
    expect(c.expectedOverhead).toBeGreaterThan(0.005); // the power of two at most halves it
    expect(c.clamped).toBe(false);
  });

  test('deeper stacks cost more per sample, so the interval grows', () => {
    expect(sampleCostMicros(64)).toBeGreaterThan(sampleCostMicros(1));
    expect(sampleCostMicros(1000)).toBe(sampleCostMicros(64));
    expect(chooseInterval(100e6, 64, { maxOverhead: 0.01 }).interval).toBeGreaterThan(
      chooseInterval(100e6, 1, { maxOverhead: 0.01 }).interval,
    );
  });

  test('a tighter budget never gives a smaller interval', () => {
    let last = 0;
    for (const budget of [0.5, 0.1, 0.05, 0.01, 0.001]) {
      const { interval } = chooseInterval(50e6, 8, { maxOverhead: budget });
      expect(interval).toBeGreaterThanOrEqual(last);
      last = interval;
    }
  });

  test('clamped to [minInterval; maxInterval], and says so', () => {
    const idle = chooseInterval(0, 1, { maxOverhead: 0.01 });
    expect(idle.interval).toBe(1024);
    expect(idle.clamped).toBe(true);
    const flood = chooseInterval(1e12, 1, { maxOverhead: 0.001, maxInterval: 1 << 20 });
    expect(flood.interval).toBe(1 << 20);
    expect(flood.clamped).toBe(true);
    expect(flood.expectedOverhead).toBeGreaterThan(0.001); // over budget, and reported as such
  });

  test('rejects bad budgets and arguments with precise errors', () => {
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 0 })).toThrow(RangeError);
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 1.5 })).toThrow(/maxOverhead must be in \(0; 1\]/);
    expect(() => chooseInterval(1e6, 1, {} as never)).toThrow(TypeError);
    expect(() => chooseInterval(1e6, 0, { maxOverhead: 0.01 })).toThrow(/frames must be in range/);
    expect(() => chooseInterval(-1, 1, { maxOverhead: 0.01 })).toThrow(RangeError);
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 0.01, minInterval: 0 })).toThrow(RangeError);
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 0.01, nope: 1 } as never)).toThrow(TypeError);
  });
});

describe('startWithBudget (real V8)', () => {
  // Allocates about `bytesPerTick` of small objects every few ms while the
  // calibration window runs: a program with a known allocation rate.
  function allocateInBackground(bytesPerTick: number): () => { bytes: number; ms: number } {
    const sink: unknown[] = new Array(1024);
    let produced = 0;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const n = bytesPerTick / 32;
      for (let i = 0; i < n; i++) sink[i & 1023] = { a: i, b: i }; // ~32 B each (header, map, 2 fields)
      produced += bytesPerTick;
    }, 2);
    return () => {
      clearInterval(timer);
      return { bytes: produced, ms: performance.now() - t0 };
    };
  }

  test('measures the allocation rate, starts at the interval it predicts, and snapshots report it', async () => {
    const stopAllocating = allocateInBackground(256 * 1024);
    const choice = await startWithBudget(4, { maxOverhead: 0.02, calibrationMs: 300 });
    const produced = stopAllocating();
    const producedRate = produced.bytes / (produced.ms / 1000);
    // GC accounting sees every heap allocation (timers, V8's own work too):
    // the same order of magnitude as what the loop produced.
    expect(choice.allocationRate).toBeGreaterThan(producedRate * 0.5);
    expect(choice.allocationRate).toBeLessThan(producedRate * 3);
    expect(choice.calibrationMs).toBeGreaterThanOrEqual(299);
    expect(choice.interval).toBe(chooseInterval(choice.allocationRate, 4, { maxOverhead: 0.02 }).interval);
    expect(tm.isTracing()).toBe(true);
    expect(tm.getSamplingInterval()).toBe(choice.interval);
    expect(tm.getTracebackLimit()).toBe(4);
    const snapshot = tm.takeSnapshot({ gc: false });
    expect(snapshot.interval).toBe(choice.interval);
    expect(snapshot.exact).toBe(false);
  });

  test('a quiet program: the interval for the rate measured, V8 default (512 KiB) when it was 0', async () => {
    const choice = await startWithBudget(1, { maxOverhead: 0.01, calibrationMs: 50 });
    // Idle, but the test runner itself allocates a little: either way the
    // interval is the documented one for the rate measured.
    if (choice.allocationRate === 0) expect(choice.interval).toBe(tm.DEFAULT_SAMPLED_INTERVAL);
    else expect(choice.interval).toBe(chooseInterval(choice.allocationRate, 1, { maxOverhead: 0.01 }).interval);
    expect(tm.getSamplingInterval()).toBe(choice.interval);
  });

  test('already tracing with other settings: rejects, tracing untouched', async () => {
    tm.start(1, { interval: 1 });
    await expect(startWithBudget(1, { maxOverhead: 0.01, calibrationMs: 20, minInterval: 4096 })).rejects.toMatchObject({
      code: 'ERR_TRACEMALLOC_ALREADY_TRACING',
    });
    expect(tm.getSamplingInterval()).toBe(1);
  });

  test('bad options reject before calibrating', async () => {
    await expect(startWithBudget(1, { maxOverhead: -1 })).rejects.toThrow(RangeError);
    expect(tm.isTracing()).toBe(false);
  });
});
