// Exact counts under V8's deterministic flags, each run in a fresh process.
import { DETERMINISTIC_FLAGS, runFixture } from './helpers/child';

interface Totals {
  size: number;
  count: number;
}
interface Workload {
  kept: number;
  exact: boolean;
  interval: number;
  byFunction: Record<string, Totals>;
}

function makePointsEntry(result: Workload): Totals {
  // `makePoints` starts on line 16 of test/fixtures/known-workload.js: V8
  // reports the function's start line, not the line of `new Point(i)`.
  const entry = result.byFunction['makePoints@16'];
  expect(entry).toBeDefined();
  return entry;
}

describe('exact mode in a child process', () => {
  const first = runFixture<Workload>('known-workload.js', DETERMINISTIC_FLAGS, ['exact']);
  const second = runFixture<Workload>('known-workload.js', DETERMINISTIC_FLAGS, ['exact']);

  test('counts every object kept, at the function start line', () => {
    expect(first.exact).toBe(true);
    const entry = makePointsEntry(first);
    // 20000 Points plus the array's backing-store growths.
    expect(entry.count).toBeGreaterThanOrEqual(20_000);
    expect(entry.count).toBeLessThan(20_100);
    // A Point is at least 5 tagged words (map, properties, elements, x, y).
    expect(entry.size).toBeGreaterThanOrEqual(20_000 * 20);
  });

  test('gives identical counts run after run', () => {
    expect(second.byFunction).toEqual(first.byFunction);
  });
});

describe('sampled mode in a child process', () => {
  const exact = runFixture<Workload>('known-workload.js', DETERMINISTIC_FLAGS, ['exact']);
  const sampled = runFixture<Workload>('known-workload.js', DETERMINISTIC_FLAGS, ['4096']);
  const again = runFixture<Workload>('known-workload.js', DETERMINISTIC_FLAGS, ['4096']);

  test('estimates are unbiased within 15% of the exact figures', () => {
    expect(sampled.exact).toBe(false);
    expect(sampled.interval).toBe(4096);
    const truth = makePointsEntry(exact);
    const estimate = makePointsEntry(sampled);
    // ~230 samples of 1 MB: one standard deviation is ~7%.
    expect(Math.abs(estimate.size / truth.size - 1)).toBeLessThan(0.15);
    expect(Math.abs(estimate.count / truth.count - 1)).toBeLessThan(0.15);
  });

  test('are deterministic under --sampling-heap-profiler-suppress-randomness', () => {
    expect(again.byFunction).toEqual(sampled.byFunction);
  });
});
