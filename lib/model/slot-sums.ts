// The summing loops of statistics(): samples into stack rows, stack rows
// into keys, subtrees into their roots. Plain index loops over typed arrays,
// in small module-level functions that every pass shares: V8 optimizes them
// within the first large pass (on-stack replacement), and from then on a
// read of a Float64Array or a sum of doubles allocates nothing. Unoptimized,
// each of those is a new heap number, which V8 samples at interval 1.
//
// Each loop takes typed arrays and numbers only, from a thin exported
// wrapper: no property read inside (a typed array's `length` included).
// V8 may clear a property read's type feedback at a full GC (every
// takeSnapshot() runs one), and the next call then runs its whole loop
// unoptimized again. An object literal made after the loop did the same,
// which is why sums are made by the caller.

/** Sums per slot; the last slot gathers the indexes ≥ slots − 1. */
export interface SlotSums {
  readonly size: Float64Array;
  readonly count: Float64Array;
  /** 1 where at least one value went to that slot. */
  readonly used: Uint8Array;
}

/** Zeroed sums over `slots` slots. */
export function slotSums(slots: number): SlotSums {
  return { size: new Float64Array(slots), count: new Float64Array(slots), used: new Uint8Array(slots) };
}

/**
 * Adds `size[i]` and `count[i]` into slot `slotOf[i]` of `into`, in order of
 * `i`; a `slotOf[i]` at or past the last slot goes to the last one. Used for
 * samples → stack rows (the last slot: samples with no stack row, NO_STACK)
 * and stack rows → keys (the last slot: rows of no key).
 */
export function sumBySlot(slotOf: Uint32Array, size: Float64Array, count: Float64Array, into: SlotSums): void {
  const n = slotOf.length;
  const last = into.used.length - 1;
  // Block by block: a loop called again and again gets optimized code of its
  // own, which V8 keeps across GCs; one long call gets only on-stack
  // replacement code, which Node 22, 24 and 26 drop at the next full GC, and
  // their next pass ran unoptimized until replaced again (15k samples at
  // 100k). Blocks of 4096 still got Node 24 only on-stack replacement code;
  // blocks of 256 get every Node its own code within the first pass.
  for (let from = 0; from < n; from += BLOCK) {
    addBySlot(from, Math.min(n, from + BLOCK), slotOf, size, count, last, into.size, into.count, into.used);
  }
  summed += n;
}

/** Samples per call of the summing loop. */
const BLOCK = 256;

/** Values summed by {@link sumBySlot} in this process so far. */
let summed = 0;

/**
 * Values the summing loop must have run over before V8 has surely given it
 * optimized code of its own (256 calls; test/analysis-allocations.test.ts
 * checks it on every supported Node).
 * @internal
 */
export const HOT_AFTER = 256 * BLOCK;

/**
 * Whether {@link sumBySlot} has run over {@link HOT_AFTER} values in this
 * process. Until then, one of its passes over a few thousand stack rows
 * runs unoptimized, boxing a number per read (six samples a row while
 * tracing at interval 1), where a pass over a snapshot's samples gets
 * optimized code within its first blocks; so per-stack sums made elsewhere
 * (the binding's) are taken only once it is hot (Snapshot.adoptStackTotals).
 */
export function summingLoopIsHot(): boolean {
  return summed >= HOT_AFTER;
}

function addBySlot(
  from: number,
  to: number,
  slotOf: Uint32Array,
  size: Float64Array,
  count: Float64Array,
  last: number,
  sizes: Float64Array,
  counts: Float64Array,
  used: Uint8Array,
): void {
  for (let i = from; i < to; i++) {
    const s = slotOf[i] < last ? slotOf[i] : last;
    sizes[s] += size[i];
    counts[s] += count[i];
    used[s] = 1;
  }
}

/** `values[i]` summed into slot `slotOf[i]` of a new column of `slots` slots, the same way as {@link sumBySlot}. */
export function sumColumnBySlot(slotOf: Uint32Array, values: Float64Array, slots: number): Float64Array {
  const sums = new Float64Array(slots);
  addColumnBySlot(slotOf.length, slotOf, values, slots - 1, sums);
  return sums;
}

function addColumnBySlot(n: number, slotOf: Uint32Array, values: Float64Array, last: number, sums: Float64Array): void {
  for (let i = 0; i < n; i++) sums[slotOf[i] < last ? slotOf[i] : last] += values[i];
}

/**
 * Adds each row's value into its parent's, children before parents (rows
 * in reverse: a stack row's parent comes before it, lib/model/stack-walk.ts), so
 * that every row ends up with its subtree's sum. `from[r]` says which rows
 * count (others and their own values are skipped).
 */
export function sumIntoParents(parent: Int32Array, from: Uint8Array, values: Float64Array): void {
  addIntoParents(parent.length, parent, from, values);
}

function addIntoParents(n: number, parent: Int32Array, from: Uint8Array, values: Float64Array): void {
  for (let r = n - 1; r >= 0; r--) {
    const p = parent[r];
    if (p >= 0 && from[r] === 1) values[p] += values[r];
  }
}
