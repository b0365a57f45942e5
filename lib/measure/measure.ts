// measure(): Go's -benchmem for Node: bytes and allocations per call, exact.
import { disableInlining } from '../tracer/inlining';
import type { Snapshot } from '../model/snapshot';
import * as check from '../helpers/validate';
import { drive, type Measured, type Plan } from './loop';
import {
  framesOption,
  iterationsOption,
  measured,
  requireIdleSampler,
  mapForTests,
  settle,
  type Pass,
  tracedPass,
  warmUp,
  warmupOption,
} from './session';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Calls per traced round (default 100). Figures are totals over them divided by this. */
  iterations?: number;
  /**
   * Untraced calls first, so V8 has compiled and optimized fn and filled its
   * caches (default `'auto'`: until 10,000 calls or 50 ms, whichever comes
   * first). At least 1: the first call tells whether fn is async.
   */
  warmup?: number | 'auto';
  /**
   * Frames recorded per allocation for {@link MeasureResult.snapshot} (default 4;
   * at least 8 are recorded, so that the tracer can tell its own work, its
   * calls into allocating builtins and the promises of its loop seen through
   * Node's async hooks, from fn's).
   */
  frames?: number;
  /**
   * Traced rounds at most (default 10), and retained passes at most. Rounds
   * repeat until the smallest round total has been seen twice: see
   * {@link MeasureResult.exact}.
   */
  maxRounds?: number;
  /** Run the pass that measures {@link MeasureResult.retainedBytes} (default `true`). */
  retained?: boolean;
  /**
   * Let V8 inline (default `false`: inlining is turned off before the
   * warm-up, process-wide, so that fn's helpers keep their own frames in
   * {@link MeasureResult.snapshot}; see docs/design.md, "Inlining"). With `true`,
   * an inlined helper's allocations are charged to its caller, and V8 may
   * optimize allocations away across the inlined call.
   */
  inlining?: boolean;
}

/** What {@link measure} found. Sizes are bytes of JS heap; see docs/measure.md for what counts. */
export interface MeasureResult {
  /** Bytes allocated per call: `totalBytes / iterations` (Go's B/op). */
  bytesPerOp: number;
  /** Objects allocated per call: `totalAllocs / iterations` (Go's allocs/op). */
  allocsPerOp: number;
  /**
   * Bytes allocated by `iterations` calls that were still alive after them
   * and a full GC: what `iterations` calls leak (or cache). Measured in
   * separate passes, after the rounds, with the sampler keeping only live
   * objects' samples; repeated like the rounds (until the smallest is seen
   * twice, or is 0), keeping the smallest: V8's optimized code for fn, once
   * installed, is long-lived and is charged to fn. 0 when `retained: false`.
   */
  retainedBytes: number;
  /**
   * Highest growth of the used JS heap during the kept round, over its level
   * when the round started: read at every GC's start and at the end of the
   * round, so it includes garbage not yet collected. No GC is forced before
   * a round (it would cost a full collection per round): garbage from before
   * the round that a GC frees during it can hide part of the growth. For a
   * peak to hold a test to, use `limitMemory`, which collects first.
   */
  peakBytes: number;
  /** Calls per round. */
  iterations: number;
  /**
   * True when the figures are exact steady-state ones: the kept round is the
   * one that allocated least (bytes, then objects), and another round
   * allocated exactly as much. Rounds differ only while V8 is still
   * optimizing fn: its compiler's output (optimized code, deoptimization
   * data) is allocated at a stack check inside fn and charged to it, and
   * unoptimized code adds a 16-byte memento to some objects; both only add.
   * False when `maxRounds` ran out first (fn allocates differently from call
   * to call, or is still tiering up): the figures are then those of the
   * smallest round, a best case.
   */
  exact: boolean;
  /** Bytes allocated by the kept round's calls. */
  totalBytes: number;
  /** Objects allocated by the kept round's calls. */
  totalAllocs: number;
  /**
   * Every allocation of the kept round, dead or alive, by site (the
   * tracer's and measure's own excluded):
   * `result.snapshot.statistics('lineno')` gives fn's top allocation sites.
   */
  snapshot: Snapshot;
  /** What the kept retained pass left alive, by site; `null` when `retained: false`. */
  retainedSnapshot: Snapshot | null;
  /** Traced rounds run (retained passes not included). */
  rounds: number;
  /** Untraced calls made first. */
  warmup: number;
}

interface Settings {
  iterations: number;
  warmup: number | 'auto';
  frames: number;
  maxRounds: number;
  retained: boolean;
  inlining: boolean;
}

function settings(options: MeasureOptions | undefined): Settings {
  const o = check.options(options, 'options', [
    'iterations',
    'warmup',
    'frames',
    'maxRounds',
    'retained',
    'inlining',
  ] as const);
  return {
    iterations: iterationsOption(o.iterations, 100),
    warmup: warmupOption(o.warmup, 'auto'),
    frames: framesOption(o.frames, 4),
    maxRounds:
      o.maxRounds === undefined
        ? 10
        : check.integerInRange(o.maxRounds, 'maxRounds', 1, 100, 'maxRounds must be an integer in range [1; 100]'),
    retained: o.retained === undefined ? true : check.boolean(o.retained, 'retained'),
    inlining: o.inlining === undefined ? false : check.boolean(o.inlining, 'inlining'),
  };
}

function* measurePlan(s: Settings): Plan<MeasureResult> {
  const warmup = yield* warmUp(s.warmup);
  const counted = (): Plan<Pass> => tracedPass(s.iterations, s.frames, true);
  let rounds = yield* settle(counted, s.maxRounds);
  // After the rounds, so V8 is done optimizing fn and one-time work is over.
  const kept = s.retained ? (yield* settle(() => tracedPass(s.iterations, s.frames, false), s.maxRounds)).pass : null;
  // ...unless optimized code arrived during the retained passes (a loaded
  // machine compiles late): one more round tells, so both figures agree.
  if (kept !== null) rounds = yield* settle(counted, s.maxRounds, rounds);
  const last = rounds.pass;
  const totalBytes = last.snapshot.totalSize;
  const totalAllocs = last.snapshot.totalCount;
  const result: MeasureResult = {
    bytesPerOp: totalBytes / s.iterations,
    allocsPerOp: totalAllocs / s.iterations,
    retainedBytes: kept === null ? 0 : kept.snapshot.totalSize,
    peakBytes: last.peak,
    iterations: s.iterations,
    exact: rounds.exact,
    totalBytes,
    totalAllocs,
    snapshot: last.snapshot,
    retainedSnapshot: kept === null ? null : kept.snapshot,
    rounds: rounds.passes,
    warmup,
  };
  return mapForTests(mapForTests(result, 'snapshot'), 'retainedSnapshot');
}

/**
 * Measures the JS heap allocations of one call of `fn`, exactly: Go's
 * `-benchmem` (B/op, allocs/op) for Node.
 *
 * How: `warmup` untraced calls; then rounds of `iterations` calls under V8's
 * sampler at interval 1 keeping dead objects' samples (every allocation,
 * short-lived garbage included), until the smallest round total has been
 * seen twice (`exact`) or `maxRounds` ran; the smallest round is kept. Then,
 * unless `retained: false`, passes of `iterations` calls with the sampler
 * keeping only live objects, each followed by a full GC: what is left is
 * {@link MeasureResult.retainedBytes}. Exact tracing slows allocation-heavy
 * code 15–190×: keep `iterations` modest.
 *
 * What counts: JS heap objects allocated while fn runs, except those whose
 * innermost frame outside builtins and Node's internals is this package's
 * (measure's own loop and await, the tracer). Strings, arrays and their
 * backing stores, closures, contexts, Map/Set tables, boxed numbers, and what
 * V8 and Node allocate on fn's behalf (array growth, Buffer objects) count.
 * ArrayBuffer/Buffer contents live outside the JS heap: only their small JS
 * objects count. Optimized code folds adjacent allocations into one, which
 * the sampler counts once (a closure and its context: 1 allocation of 96 B).
 *
 * Sync or async: if fn's first call returns a promise (or any thenable),
 * every call is awaited and measure returns a promise. Anything else the
 * process runs while fn awaits is counted too: keep it quiet. With promise
 * hooks on (an AsyncLocalStorage, jest), each promise fn makes also costs
 * what the hooks allocate.
 *
 * V8 has one sampler per thread: measure refuses to run while tracemalloc
 * is tracing (stopping would discard your traces), and restores the idle
 * state when done, even if fn throws (the error is re-thrown).
 *
 * @example
 * const r = measure(() => JSON.parse(text), { iterations: 200 });
 * console.log(`${r.bytesPerOp} B/op, ${r.allocsPerOp} allocs/op`);
 * console.log(formatTopSites(r.snapshot, { calls: r.iterations }));
 * @example
 * const r = await measure(async () => { await handler(request); });
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING` while tracing;
 *   `ERR_TRACEMALLOC_SAMPLER_BUSY` when another tool runs V8's sampler; `ERR_TRACEMALLOC_NO_BINARY`
 * @throws {TypeError} fn is not a function; a bad or unknown option
 * @throws {RangeError} an option out of range (`warmup` must be at least 1)
 * @throws whatever fn throws, after stopping the sampler
 */
export function measure(fn: () => PromiseLike<unknown>, options?: MeasureOptions): Promise<MeasureResult>;
export function measure(fn: () => unknown, options?: MeasureOptions): MeasureResult;
export function measure(fn: Measured, options?: MeasureOptions): MeasureResult | Promise<MeasureResult> {
  const f = measured(fn);
  const s = settings(options);
  requireIdleSampler('measure()');
  if (!s.inlining) disableInlining();
  return drive(f, measurePlan(s));
}

/**
 * {@link measure}, always returning a promise: for a fn whose type does not
 * say whether it returns one.
 *
 * @example
 * const r = await measureAsync(handlers[name]);
 * @throws see {@link measure} (as a rejection)
 */
export async function measureAsync(fn: () => unknown, options?: MeasureOptions): Promise<MeasureResult> {
  return measure(fn, options);
}
