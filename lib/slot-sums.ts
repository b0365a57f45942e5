// The summing loops of statistics(): samples into stack rows, stack rows
// into keys, subtrees into their roots. Plain index loops over typed arrays,
// kept in small functions that every pass shares: V8 optimizes them within
// the first large pass (on-stack replacement), and from then on a read of a
// Float64Array or a sum of doubles allocates nothing. In V8's interpreter each
// of those is a fresh heap number, which the sampler records at interval 1.

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
  addBySlot(slotOf, size, count, into.size, into.count, into.used);
}

// The loop, given typed arrays only. V8 keeps no object literal's map alive
// across a full GC once no object has it: a property read of `into` inside
// would lose its type feedback at every takeSnapshot(), and the loop its
// optimized code, for the whole next pass. (So would an object literal made
// after the loop, which is why `into` is made by the caller.)
function addBySlot(
  slotOf: Uint32Array,
  size: Float64Array,
  count: Float64Array,
  sizes: Float64Array,
  counts: Float64Array,
  used: Uint8Array,
): void {
  const last = used.length - 1;
  for (let i = 0; i < slotOf.length; i++) {
    const s = slotOf[i] < last ? slotOf[i] : last;
    sizes[s] += size[i];
    counts[s] += count[i];
    used[s] = 1;
  }
}

/** `values[i]` summed into slot `slotOf[i]` of a new column of `slots` slots, the same way as {@link sumBySlot}. */
export function sumColumnBySlot(slotOf: Uint32Array, values: Float64Array, slots: number): Float64Array {
  const last = slots - 1;
  const sums = new Float64Array(slots);
  for (let i = 0; i < slotOf.length; i++) sums[slotOf[i] < last ? slotOf[i] : last] += values[i];
  return sums;
}

/**
 * Adds each row's value into its parent's, in `order` (children before
 * parents), so that every row ends up with its subtree's sum. `from[r]` says
 * which rows count (others and their own values are skipped).
 */
export function sumIntoParents(order: Uint32Array, parent: Int32Array, from: Uint8Array, values: Float64Array): void {
  for (let i = 0; i < order.length; i++) {
    const r = order[i];
    const p = parent[r];
    if (p >= 0 && from[r] === 1) values[p] += values[r];
  }
}
