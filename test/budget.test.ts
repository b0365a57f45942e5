// The overhead budget (lib/tracer/budget.ts): the interval is chosen at start, from
// the allocation rate measured during calibration and never finer than the
// floor, on real V8. What the watch does under load: budget-load.test.ts.
import * as tm from '../lib/tracer/tracemalloc';
import {
  chooseInterval,
  safeInterval,
  sampleCostMicros,
  startWithBudget,
  type BudgetOptions,
} from '../lib/tracer/budget';
import { stopTracingAfterEach } from './helpers/tracing';

stopTracingAfterEach();

const MAX_INTERVAL = 16 * 1024 * 1024; // the documented default of maxInterval

/**
 * The documented floor (docs/performance.md, "A budget that holds under
 * load"), the default of minInterval: the smallest power of two at which 4 GB
 * per CPU-second, at 2 µs + 0.2 µs per frame (up to 64) a sample, costs at
 * most the budget.
 */
function documentedFloor(frames: number, maxOverhead: number): number {
  const micros = 2 + 0.2 * Math.min(frames, 64);
  let interval = 1;
  while ((4e9 / interval) * micros * 1e-6 > maxOverhead * (1 + 1e-9) && interval < 2 ** 28) interval *= 2;
  return interval;
}

/**
 * The documented contract, derived from the sampling model rather than from
 * lib/tracer/budget.ts: V8 takes on average one sample per `interval` bytes
 * allocated, so a program allocating `rate` B/s pays rate / interval samples
 * a second, each costing the cost per sample the choice reports. The interval
 * is the smallest power of two whose overhead fits the budget (found here by
 * trying them in turn), kept within [minInterval (default: the floor);
 * maxInterval], and `clamped` says when the bounds moved it.
 */
function expectBudgetContract(
  choice: ReturnType<typeof chooseInterval>,
  rate: number,
  frames: number,
  options: BudgetOptions,
): void {
  const max = options.maxInterval ?? MAX_INTERVAL;
  const min = options.minInterval ?? Math.min(max, documentedFloor(frames, options.maxOverhead));
  expect(choice.floor).toBe(min);
  const overheadAt = (interval: number): number => (rate / interval) * choice.sampleCostMicros * 1e-6;
  // 1e-9: the budget's own rounding, when rate × cost / budget is a power of two.
  let smallest = 1;
  while (overheadAt(smallest) > options.maxOverhead * (1 + 1e-9)) smallest *= 2;
  const expected = Math.min(max, Math.max(min, smallest));
  expect({ rate, options, interval: choice.interval, clamped: choice.clamped }).toEqual({
    rate,
    options,
    interval: expected,
    clamped: expected !== smallest,
  });
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  expect(close(choice.samplesPerSecond, rate / choice.interval)).toBe(true);
  expect(close(choice.expectedOverhead, overheadAt(choice.interval))).toBe(true);
  if (!choice.clamped) expect(choice.expectedOverhead).toBeLessThanOrEqual(options.maxOverhead * (1 + 1e-9));
}

describe('chooseInterval', () => {
  test('the smallest power of two whose predicted overhead fits the budget, within the bounds', () => {
    // Rates from 1 kB/s to 100 GB/s, depths of 1 to 200 frames, budgets from
    // 0.01% to 100%, bounds or not (a fixed linear congruential generator).
    let seed = 13;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const cases: [number, number, BudgetOptions][] = [
      [100e6, 1, { maxOverhead: 0.01 }], // the TSDoc examples
      [100e6, 1, { maxOverhead: 0.01, minInterval: 1024 }],
      [0, 1, { maxOverhead: 0.01 }],
      [1e12, 1, { maxOverhead: 0.001, maxInterval: 1 << 20 }],
    ];
    for (let i = 0; i < 2000; i++) {
      const rate = 10 ** (3 + 8 * next());
      const frames = 1 + Math.floor(200 * next());
      const options: BudgetOptions = { maxOverhead: 10 ** (-4 * next()) };
      if (next() < 0.3) options.minInterval = 1 + Math.floor(10 ** (5 * next()));
      if (next() < 0.3) options.maxInterval = (options.minInterval ?? 1) + Math.floor(10 ** (7 * next()));
      cases.push([rate, frames, options]);
    }
    let clamped = 0;
    for (const [rate, frames, options] of cases) {
      const choice = chooseInterval(rate, frames, options);
      expect(choice.sampleCostMicros).toBe(sampleCostMicros(frames));
      expectBudgetContract(choice, rate, frames, options);
      if (choice.clamped) clamped++;
    }
    // Both kinds were tried: choices the bounds moved, and choices they did not.
    expect(clamped).toBeGreaterThan(100);
    expect(clamped).toBeLessThan(cases.length - 100);
  });

  test('the cost per sample: an upper fit of the measured costs, growing with depth up to 64 frames', () => {
    // Measured (bench/RESULTS.md, "Cost per sample", as the TSDoc of
    // sampleCostMicros quotes it): 0.7–1.4 µs at 1 frame, 2–4 µs at 16–64
    // frames on shallow programs. Erring high errs toward less overhead.
    expect(sampleCostMicros(1)).toBeGreaterThanOrEqual(1.4);
    expect(sampleCostMicros(16)).toBeGreaterThanOrEqual(4);
    for (let frames = 2; frames <= 64; frames++) {
      expect(sampleCostMicros(frames)).toBeGreaterThan(sampleCostMicros(frames - 1));
    }
    // Depth counts up to 64: programs rarely run deeper.
    expect(sampleCostMicros(65536)).toBe(sampleCostMicros(64));
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

  test('the floor: safe at 4 GB per CPU-second, the default minInterval, as documented', () => {
    // The figures docs/performance.md and safeInterval's TSDoc quote.
    expect([1, 16, 64].map((f) => safeInterval(f, 0.01))).toEqual([1 << 20, 2 << 20, 8 << 20]);
    expect([1, 16, 64].map((f) => safeInterval(f, 0.05))).toEqual([256 << 10, 512 << 10, 2 << 20]);
    expect([1, 16, 64].map((f) => safeInterval(f, 0.1))).toEqual([128 << 10, 256 << 10, 1 << 20]);
    for (const budget of [1, 0.5, 0.1, 0.05, 0.01, 0.001, 1e-4, 1e-6]) {
      for (const frames of [1, 2, 8, 16, 63, 64, 65, 1000]) {
        expect(safeInterval(frames, budget)).toBe(documentedFloor(frames, budget));
      }
    }
    // The TSDoc examples of chooseInterval.
    expect(chooseInterval(100e6, 1, { maxOverhead: 0.01 }).interval).toBe(1 << 20);
    expect(chooseInterval(100e6, 1, { maxOverhead: 0.01, minInterval: 1024 }).interval).toBe(32768);
    // A floor above maxInterval gives way to it.
    expect(chooseInterval(0, 64, { maxOverhead: 1e-4, maxInterval: 1 << 20 }).floor).toBe(1 << 20);
  });

  test('clamped to [minInterval; maxInterval], and says so', () => {
    const idle = chooseInterval(0, 1, { maxOverhead: 0.01 });
    expect(idle.interval).toBe(safeInterval(1, 0.01));
    expect(idle.clamped).toBe(true);
    const old = chooseInterval(0, 1, { maxOverhead: 0.01, minInterval: 1024 });
    expect(old.interval).toBe(1024);
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
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 0.01, adapt: 1 } as never)).toThrow(TypeError);
    expect(() => chooseInterval(1e6, 1, { maxOverhead: 0.01, checkMs: 0 })).toThrow(/checkMs must be in range/);
  });
});

describe('startWithBudget (real V8)', () => {
  /** Arrays of doubles: at least 8 bytes an element, whatever the pointer size. */
  const ARRAYS = 1000;
  const ELEMENTS = 1000;
  const BYTES = ARRAYS * ELEMENTS * 8;

  test('counts what the program allocates while it calibrates, starts at the interval that rate calls for, and snapshots report it', async () => {
    // minInterval below the rate's interval: the calibrated rate decides, not the floor.
    const pending = startWithBudget(4, { maxOverhead: 0.02, calibrationMs: 100, minInterval: 1024 });
    // The calibration window is open: its timer was set before this one, for
    // later, on the same loop clock, so this one fires first, inside it. No
    // wall-clock race: the program keeps running, and allocates, while it
    // calibrates.
    const kept: number[][] = [];
    let allocatedInside = false;
    setTimeout(() => {
      for (let i = 0; i < ARRAYS; i++) kept.push(new Array<number>(ELEMENTS).fill(0.5));
      allocatedInside = true;
    }, 1);
    const choice = await pending;
    expect(allocatedInside).toBe(true);
    expect(kept).toHaveLength(ARRAYS);
    // The bytes counted in the window, whatever its length: the rate times the window.
    const counted = (choice.allocationRate * choice.calibrationMs) / 1000;
    // GC accounting sees every heap allocation: the arrays, and a little
    // more (timers, V8's own work, the test runner: about 3% here). Less
    // only by what the counter may miss (the tail of a concurrent sweep).
    expect(counted).toBeGreaterThan(BYTES * 0.95);
    expect(counted).toBeLessThan(BYTES * 1.5);
    expectBudgetContract(choice, choice.allocationRate, 4, { maxOverhead: 0.02, minInterval: 1024 });
    expect(choice.frames).toBe(4);
    expect(tm.isTracing()).toBe(true);
    expect(tm.getSamplingInterval()).toBe(choice.interval);
    expect(tm.getTracebackLimit()).toBe(4);
    const snapshot = tm.takeSnapshot({ gc: false });
    expect(snapshot.interval).toBe(choice.interval);
    expect(snapshot.exact).toBe(false);
    choice.watch.stop();
  });

  test('a quiet program starts at the floor, watched', async () => {
    const choice = await startWithBudget(1, { maxOverhead: 0.01, calibrationMs: 50 });
    // Idle, but the test runner itself allocates a little: far below the 4 GB/s the floor is safe at.
    expect(choice.allocationRate).toBeLessThan(4e9);
    expect(choice.interval).toBe(documentedFloor(1, 0.01));
    expectBudgetContract(choice, choice.allocationRate, 1, { maxOverhead: 0.01 });
    expect(tm.getSamplingInterval()).toBe(choice.interval);
    expect(choice.watch.watching).toBe(true);
    expect(choice.watch.interval).toBe(choice.interval);
    // Tracing stopped by its owner: the watch ends at its next look, and leaves the sampler alone.
    tm.stop();
    expect(choice.watch.check()).toBeUndefined();
    expect(choice.watch.watching).toBe(false);
    expect(tm.isTracing()).toBe(false);
  });

  test('already tracing with other settings: rejects, tracing untouched', async () => {
    tm.start(1, { interval: 1 });
    await expect(startWithBudget(1, { maxOverhead: 0.01, calibrationMs: 20, minInterval: 4096 })).rejects.toMatchObject(
      {
        code: 'ERR_TRACEMALLOC_ALREADY_TRACING',
      },
    );
    expect(tm.getSamplingInterval()).toBe(1);
  });

  test('bad options reject before calibrating', async () => {
    await expect(startWithBudget(1, { maxOverhead: -1 })).rejects.toThrow(RangeError);
    expect(tm.isTracing()).toBe(false);
  });
});
