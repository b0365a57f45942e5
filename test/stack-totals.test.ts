// The per-stack sums the binding makes while building a table
// (native/profile_table.h SumByStack) must be the very doubles that
// statistics() would sum in JS (lib/model/slot-sums.ts), since a snapshot
// adopts them in place of its own pass over every sample.
import * as slotSums from '../lib/model/slot-sums';
import { Snapshot } from '../lib/model/snapshot';
import { OWN_PREFIXES } from '../lib/helpers/own-files';
import { native } from '../lib/tracer/native';
import * as tm from '../lib/tracer/tracemalloc';
import { stopTracingAfterEach } from './helpers/tracing';

stopTracingAfterEach();

const kept: unknown[] = [];
// Objects of eight sizes from three functions, some kept and some garbage:
// sampled sizes are then non-integer estimates, where the order of additions shows.
function small(i: number): object {
  return { i, tag: 'small' };
}
function sized(i: number): number[] {
  return new Array<number>(1 + (i % 8) * 5).fill(i);
}
function text(i: number): string {
  return `line ${i} `.repeat(1 + (i % 4));
}
function workload(): void {
  for (let i = 0; i < 20000; i++) {
    const a = small(i);
    const b = sized(i);
    const c = text(i);
    if (i % 3 === 0) kept.push(a, b, c);
  }
}

/** The sums as stackTotals() makes them in JS, over the table's own columns. */
function summedInJs(table: Snapshot['table']): slotSums.SlotSums {
  const sums = slotSums.slotSums(table.stackFrame.length + 1);
  slotSums.sumBySlot(table.sampleStack, table.sampleSize, table.sampleCount, sums);
  return sums;
}

function expectSameDoubles(actual: slotSums.SlotSums, expected: slotSums.SlotSums): void {
  // Byte for byte: toEqual would accept sums that differ in their last bits.
  expect(Buffer.from(actual.size.buffer, actual.size.byteOffset, actual.size.byteLength)).toEqual(
    Buffer.from(expected.size.buffer, expected.size.byteOffset, expected.size.byteLength),
  );
  expect(Buffer.from(actual.count.buffer, actual.count.byteOffset, actual.count.byteLength)).toEqual(
    Buffer.from(expected.count.buffer, expected.count.byteOffset, expected.count.byteLength),
  );
  expect(Array.from(actual.used)).toEqual(Array.from(expected.used));
}

describe.each([
  ['exact', 1, false],
  ['sampled every 256 B', 256, false],
  ['exact, collected objects kept', 1, true],
])('%s', (_name, interval, allocated) => {
  beforeEach(() => {
    kept.length = 0;
  });

  test("the binding's sums are the ones JS would make, in every slot", () => {
    tm.start(4, { interval, allocated });
    workload();
    const raw = native().snapshot(OWN_PREFIXES);
    // Exact: the tracer's own work after the sampler started is in the profile,
    // and its stacks were dropped from this table (Compact renumbered the rows and their sums).
    if (interval === 1) expect(native().snapshot([]).stackFrame.length).toBeGreaterThan(raw.stackFrame.length);
    expect(raw.stackTotals).toBeDefined();
    const fromBinding = raw.stackTotals;
    const js = summedInJs({ ...raw, sampleDomain: new Uint32Array(raw.sampleStack.length) });
    expectSameDoubles(fromBinding, js);
    // Not vacuous: the workload's samples are spread over several stacks.
    expect(fromBinding.used.reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expect(fromBinding.size.reduce((a, b) => a + b, 0)).toBeGreaterThan(20000 * 16);
  });

  test('takeSnapshot adopts them once the summing loop is hot: statistics() makes no pass over the samples, and agrees with one that does', () => {
    // Hot: it has summed HOT_AFTER values in this process (a synthetic pass, untraced).
    const warm = new Uint32Array(slotSums.HOT_AFTER);
    slotSums.sumBySlot(warm, new Float64Array(warm.length), new Float64Array(warm.length), slotSums.slotSums(2));
    expect(slotSums.summingLoopIsHot()).toBe(true);
    tm.start(4, { interval, allocated });
    workload();
    const snapshot = tm.takeSnapshot({ gc: false, sourceMaps: false, view: allocated ? 'allocated' : 'live' });
    const sumBySlot = jest.spyOn(slotSums, 'sumBySlot');
    try {
      const adopted = snapshot.statistics('lineno');
      // One call: stack rows into keys; none over the samples.
      expect(sumBySlot.mock.calls.filter(([slotOf]) => slotOf === snapshot.table.sampleStack)).toHaveLength(0);
      const fresh = new Snapshot(snapshot.table, snapshot.info);
      expect(adopted.map(String)).toEqual(fresh.statistics('lineno').map(String));
      expect(sumBySlot.mock.calls.filter(([slotOf]) => slotOf === snapshot.table.sampleStack)).toHaveLength(1);
      expectSameDoubles(snapshot.stackTotals(), fresh.stackTotals());
    } finally {
      sumBySlot.mockRestore();
    }
  });
});
