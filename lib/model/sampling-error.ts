// The per-sample terms of the error bars (docs/error-bars.md), summed per
// stack row: what statistics() and compareTo() need beside sizes and counts.
// Sampled snapshots only: in exact mode every sample is one object of weight
// 1, and the spread is zero.
import type { Snapshot } from './snapshot';

/**
 * Objects one sampled object of `size` bytes stands for at `interval`:
 * 1 / (1 − e^(−size/interval)), the inverse of the chance V8's Poisson
 * sampler picks it, unrounded, as the binding scales samples
 * (native/v8_values.h ScaledCount); 1 at interval 1.
 */
export function scaledCount(size: number, interval: number): number {
  return interval <= 1 ? 1 : 1 / -Math.expm1(-size / interval);
}

/**
 * Columns of length nStacks + 1 (the last slot: samples with no stack row),
 * each a sum over the samples of that stack row.
 */
export interface StackSpread extends SpreadSums {
  /** Σ size × weight: bytes (the estimate). */
  readonly size: Float64Array;
  /** Σ weight: objects (the estimate). */
  readonly count: Float64Array;
  /** Number of samples. */
  readonly samples: Float64Array;
  /** Σ size² × weight × (weight − 1): unbiased estimate of the size estimate's variance. */
  readonly sizeVariance: Float64Array;
  /** Σ weight × (weight − 1): the same for the count. */
  readonly countVariance: Float64Array;
  /** Σ size: bytes of the sampled objects themselves. */
  readonly sampledSize: Float64Array;
}

/** Columns one sample's terms are added to; typed arrays or plain arrays. */
export interface SpreadSums {
  readonly size: { [slot: number]: number };
  readonly count: { [slot: number]: number };
  readonly samples: { [slot: number]: number };
  readonly sizeVariance: { [slot: number]: number };
  readonly countVariance: { [slot: number]: number };
  readonly sampledSize: { [slot: number]: number };
}

/**
 * Adds one sample to slot `s` of `out`. A sample of an object of size s,
 * sampled with probability p, holds weight w = 1/p and bytes s·w; its terms
 * of the variance estimates are (1 − p)/p² = w(w − 1) for the count and
 * s²·w(w − 1) for the size (docs/error-bars.md); weight 1 (exact) adds 0.
 * Allocates nothing: it runs once per sample.
 * @internal
 */
export function addSample(out: SpreadSums, s: number, bytes: number, weight: number): void {
  out.size[s] += bytes;
  out.count[s] += weight;
  out.samples[s] += 1;
  // V8's weights are ≥ 1; a smaller one (only a damaged dump has it) counts
  // as exact, so that bytes / weight cannot overflow into the sums.
  if (!(weight > 1)) {
    out.sampledSize[s] += bytes;
    return;
  }
  const objectSize = bytes / weight;
  out.sizeVariance[s] += bytes * objectSize * (weight - 1);
  out.countVariance[s] += weight * (weight - 1);
  out.sampledSize[s] += objectSize;
}

/**
 * The spread of `snapshot`'s samples per stack row, of those with
 * `include[i] === 1` when given.
 * @internal
 */
export function stackSpread(snapshot: Snapshot, include?: Uint8Array): StackSpread {
  const t = snapshot.table;
  const slots = t.stackFrame.length + 1;
  const out = {
    size: new Float64Array(slots),
    count: new Float64Array(slots),
    samples: new Float64Array(slots),
    sizeVariance: new Float64Array(slots),
    countVariance: new Float64Array(slots),
    sampledSize: new Float64Array(slots),
  };
  const { sampleStack, sampleSize, sampleCount } = t;
  const last = slots - 1;
  for (let i = 0; i < sampleStack.length; i++) {
    if (include !== undefined && include[i] === 0) continue;
    // A sample holds size × weight and weight (native/profile_table.cc).
    addSample(out, Math.min(sampleStack[i], last), sampleSize[i], sampleCount[i]);
  }
  return out;
}

/** Sample ids in ascending order, as row indexes (the binding already sorts them; dumps are untrusted). */
function idOrder(ids: Float64Array): Uint32Array {
  const order = new Uint32Array(ids.length);
  let sorted = true;
  for (let i = 0; i < ids.length; i++) {
    order[i] = i;
    if (i > 0 && ids[i] < ids[i - 1]) sorted = false;
  }
  return sorted ? order : order.sort((x, y) => ids[x] - ids[y]);
}

/**
 * Samples present in both snapshots: one V8 object seen twice, which
 * cancels out of a difference exactly. Only snapshots of one tracing session
 * share samples (V8 numbers samples from 1 on every start): `undefined` when
 * the sessions differ or either is unknown. A sample is matched by its id
 * and its (weighted) size.
 * @internal
 */
export function sharedSamples(current: Snapshot, old: Snapshot): [Uint8Array, Uint8Array] | undefined {
  if (current.session === 0 || current.session !== old.session) return undefined;
  const a = current.table;
  const b = old.table;
  const inA = new Uint8Array(a.sampleId.length);
  const inB = new Uint8Array(b.sampleId.length);
  const orderA = idOrder(a.sampleId);
  const orderB = idOrder(b.sampleId);
  let j = 0;
  for (let k = 0; k < orderA.length; k++) {
    const i = orderA[k];
    const id = a.sampleId[i];
    if (id === 0) continue;
    while (j < orderB.length && b.sampleId[orderB[j]] < id) j++;
    // Ids are unique within a session; the size check guards against a table built by hand.
    if (j < orderB.length && b.sampleId[orderB[j]] === id && b.sampleSize[orderB[j]] === a.sampleSize[i]) {
      inA[i] = 1;
      inB[orderB[j]] = 1;
    }
  }
  return [inA, inB];
}
