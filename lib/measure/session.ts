// Internal: pieces of measuring plans shared by measure(), the leak check and
// the limit helpers: option checks, owning V8's sampler for a while, warm-up, traced
// passes. Each traced pass is a sub-plan (`yield*`) that stops the sampler in
// `finally`, whether fn returned or threw.
import { underJest } from '../model/compiled-scripts';
import { TracemallocError, argError } from '../helpers/errors';
import type { Snapshot } from '../model/snapshot';
import { applySourceMaps } from '../model/source-maps';
import { heapCounters, MAX_FRAMES, samplerSettings, startNative, stop, takeSnapshot } from '../tracer/tracemalloc';
import * as check from '../helpers/validate';
import type { Measured, Plan } from './loop';

/** Frames a traced pass records at least (see tracedPass). */
export const OWN_DEPTH = 8;

/** `warmup: 'auto'`: calls until this many... */
export const AUTO_WARMUP_CALLS = 10_000;
/** ...or until this much time has gone, whichever comes first. */
export const AUTO_WARMUP_MS = 50;

/** Checks that fn is a function. */
export function measured(fn: unknown, name = 'fn'): Measured {
  if (typeof fn !== 'function') {
    const kind = fn === null ? 'null' : typeof fn;
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a function for ${name} but received ${kind}`);
  }
  return fn as Measured;
}

/** A warm-up count: an integer ≥ 1 (the first call tells whether fn is async), or `'auto'`. */
export function warmupOption(value: unknown, fallback: number | 'auto'): number | 'auto' {
  if (value === undefined) return fallback;
  if (value === 'auto') return 'auto';
  return check.integerInRange(
    value,
    'warmup',
    1,
    Number.MAX_SAFE_INTEGER,
    "warmup must be 'auto' or an integer of at least 1 call (the first call tells whether fn is async)",
  );
}

export function framesOption(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  return check.integerInRange(
    value,
    'frames',
    1,
    MAX_FRAMES,
    `the number of frames must be in range [1; ${MAX_FRAMES}]`,
  );
}

export function iterationsOption(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  return check.integerInRange(value, 'iterations', 1, 1e9, 'iterations must be an integer in range [1; 1e9]');
}

/**
 * Throws unless V8's sampler is free for us. It is one per thread: taking it
 * from a caller who is tracing would stop their tracing and discard their
 * traces, which must never happen silently.
 */
export function requireIdleSampler(who: string): void {
  const settings = samplerSettings();
  if (settings === null) return;
  throw new TracemallocError(
    'ERR_TRACEMALLOC_ALREADY_TRACING',
    `${who} needs V8's sampling heap profiler, which is one per thread, and tracemalloc is tracing ` +
      `(frames=${settings.frames}, interval=${settings.interval}): starting ${who} would discard your traces. ` +
      'Take your snapshot and call tracemalloc.stop() first, or run it in a worker thread.',
  );
}

export { collectGarbage } from '../tracer/tracemalloc';

/** Untraced calls: `count` of them, or for `'auto'` until AUTO_WARMUP_CALLS or AUTO_WARMUP_MS. */
export function* warmUp(count: number | 'auto'): Plan<number> {
  if (count !== 'auto') {
    if (count > 0) yield count;
    return count;
  }
  // Doubling batches: the clock is read ~14 times, not once per call.
  const start = performance.now();
  let done = 0;
  for (let batch = 1; done < AUTO_WARMUP_CALLS && performance.now() - start < AUTO_WARMUP_MS; batch *= 2) {
    const calls = Math.min(batch, AUTO_WARMUP_CALLS - done);
    yield calls;
    done += calls;
  }
  return done;
}

/** What a traced pass saw. */
export interface Pass {
  snapshot: Snapshot;
  /** Highest used-heap growth over the pass's start, read at every GC prologue and at its end. */
  peak: number;
  /** Bytes allocated in the pass from GC accounting (includes the tracer's own work). */
  heapAllocated: number;
}

/**
 * `calls` calls under V8's sampler, at interval 1 (every allocation) unless told.
 * `includeCollected`: keep the samples of objects that died (an allocation
 * profile); otherwise the snapshot is taken after a full GC and holds only
 * what the calls left alive.
 */
export function* tracedPass(calls: number, frames: number, includeCollected: boolean, interval = 1): Plan<Pass> {
  // Starting the sampler also restarts the heap peak; the allocated figure
  // is the difference of the monotonic counter over the pass.
  // OWN_DEPTH frames at least: what tells the binding a sample is ours is
  // the innermost frame outside builtins and node: modules, and our own
  // awaits reach Node's async hooks (an AsyncLocalStorage's store on each
  // promise: four node: frames) before our frame, which inlining used to fold.
  // Read before the sampler starts: starting it closes V8's allocation
  // buffer, and the used heap (what GC accounting sees) counts a buffer whole
  // when it is opened, so a read after the start would open the buffer the
  // calls then fill unseen.
  const from = heapCounters();
  startNative(Math.max(frames, OWN_DEPTH), interval, includeCollected);
  try {
    yield calls;
    const heap = heapCounters();
    // Unmapped: a pass's snapshot is compared, not shown (see mapForTests).
    const snapshot = takeSnapshot({ gc: !includeCollected, sourceMaps: false });
    return { snapshot, peak: Math.max(0, heap.peak - from.used), heapAllocated: heap.allocated - from.allocated };
  } finally {
    stop();
  }
}

/**
 * Makes `result[key]` (a snapshot, or null) what takeSnapshot() would give:
 * under jest, frames of transformed code mapped to their sources. Mapped on
 * first read, not before: a passing matcher never reads it, and the mapping
 * (an inspector round trip) leaves garbage that a GC-accounted window right
 * after measure() would count.
 */
export function mapForTests<T extends object, K extends keyof T>(result: T, key: K): T {
  if (!underJest()) return result;
  let value = result[key];
  let mapped = false;
  Object.defineProperty(result, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!mapped) {
        mapped = true;
        if (value !== null) value = applySourceMaps(value as Snapshot, { compiled: true }) as T[K];
      }
      return value;
    },
    set(next: T[K]) {
      value = next;
      mapped = true;
    },
  });
  return result;
}

/** What {@link settle} kept. */
export interface Settled {
  /** The pass that allocated (or left alive) the least. */
  pass: Pass;
  /** Passes run. */
  passes: number;
  /** The least total was seen twice (or was zero, which nothing can undercut). */
  exact: boolean;
}

function lessOrSame(a: Snapshot, b: Snapshot): number {
  return a.totalSize - b.totalSize || a.totalCount - b.totalCount;
}

/**
 * Runs traced passes until the smallest total (bytes, then objects) has been
 * seen in two passes, or is zero, or `maxPasses` ran; keeps the smallest.
 * Given `after` (an earlier settle of the same passes), first runs one more
 * pass: one that undercuts `after` starts the count again from it.
 *
 * Why the smallest, seen twice: what V8 does for fn while it tiers up is
 * charged to fn and only ever adds. Optimized code for fn is installed, with
 * its deoptimization data and source position tables, at a stack check
 * inside fn, possibly several rounds after warm-up (measured: rounds 2-4 of
 * `make100` carried 7-51 extra objects, then every round was identical), and
 * code that is not yet optimized adds a 16-byte memento to the objects it
 * makes. Those extras come and go; fn's own allocations are in every pass.
 * On a loaded machine the optimized code can arrive only after two equal
 * passes of unoptimized code: hence `after`.
 */
export function* settle(pass: () => Plan<Pass>, maxPasses: number, after?: Settled): Plan<Settled> {
  let best = yield* pass();
  let seen = 1;
  let passes = 1;
  if (after !== undefined) {
    passes += after.passes;
    maxPasses += after.passes;
    const order = lessOrSame(best.snapshot, after.pass.snapshot);
    if (order >= 0) {
      seen = order === 0 || after.exact ? 2 : 1;
      best = after.pass;
    }
  }
  while (seen < 2 && best.snapshot.totalSize > 0 && passes < maxPasses) {
    const next = yield* pass();
    passes++;
    const order = lessOrSame(next.snapshot, best.snapshot);
    if (order < 0) {
      best = next;
      seen = 1;
    } else if (order === 0) {
      seen++;
    }
  }
  return { pass: best, passes, exact: seen >= 2 || best.snapshot.totalSize === 0 };
}
