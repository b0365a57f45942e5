// An overhead budget, as far as V8 allows one: the sampling interval is
// chosen at start, no finer than a floor that keeps the budget at any
// plausible allocation rate (safeInterval), then watched (lib/tracer/budget-watch.ts).
//
// Why the interval is not simply adapted while running: V8 fixes it when the
// sampler starts and has no way to change it. v8::HeapProfiler has only
// StartSamplingHeapProfiler(interval, depth, flags), StopSamplingHeapProfiler()
// and GetAllocationProfile() (v8-profiler.h); the interval is a `const
// uint64_t rate_` of the SamplingHeapProfiler and of its allocation observer
// (src/profiler/sampling-heap-profiler.h); Start returns false while a
// sampler runs, and Stop deletes the profiler with every sample
// (src/profiler/heap-profiler.cc: `sampling_heap_profiler_.reset()`).
// Restarting at a new interval therefore forgets every live object sampled so
// far: after it, a snapshot of live memory misses everything allocated before
// the restart. Snapshots of live memory (what tracemalloc reports) cannot be
// kept unbiased across a restart. So by default the interval is fixed, and
// every snapshot reports it (`snapshot.interval`): estimates stay unbiased
// (one interval, V8's Poisson sampling, each sample scaled by it). Only a
// caller who opts in (`adapt: true`) gets restarts, each of them said.
//
// A calibration at start measures the rate of that moment only: a server
// idle at boot measures next to nothing. Hence the floor, derived from the
// fastest rate a thread plausibly allocates at (docs/performance.md, "A
// budget that holds under load"), and the watch, which warns when the real
// rate implies more than twice the budget.
import { argError } from '../helpers/errors';
import { MAX_INTERVAL } from '../helpers/constants';
import { allocatedBytes } from './counter';
import { BudgetWatch } from './budget-watch';
import { MAX_FRAMES, startNative } from './tracemalloc';
import * as check from '../helpers/validate';

/** Options of {@link startWithBudget}. */
export interface BudgetOptions {
  /** Target fraction of extra CPU time, e.g. `0.01` for 1%. Required, in (0; 1]. */
  maxOverhead: number;
  /** How long to measure the allocation rate before starting (ms, default 1000). */
  calibrationMs?: number;
  /**
   * Never sample more often than this (bytes). Default: {@link safeInterval},
   * the interval that keeps the budget at the fastest plausible allocation
   * rate, whatever the load (e.g. 2 MiB at 16 frames and 1%). A finer one
   * keeps the budget only while the program allocates slowly; the watch
   * warns when it does not.
   */
  minInterval?: number;
  /** Never sample less often than this (bytes, default 16 MiB). */
  maxInterval?: number;
  /**
   * Restart the sampler at a coarser interval when the real allocation rate
   * implies more than twice the budget, and at a finer one (never finer than
   * the starting interval) when it has dropped at least 4-fold for 3 windows.
   * Each restart drops every trace taken before it (V8 cannot change the
   * interval otherwise) and says so: a `TracemallocWarning` and
   * `choice.watch.restarts`. Default false: warn only.
   */
  adapt?: boolean;
  /** How often the watch reads the allocation counters (ms, default 1000; the timer is unref'd). */
  checkMs?: number;
}

/** What {@link startWithBudget} measured and chose. */
export interface BudgetChoice {
  /** The sampling interval tracing runs with, in bytes (also `snapshot.interval`). */
  interval: number;
  /** Frames kept per traceback (the `frames` given). */
  frames: number;
  /** JS heap bytes allocated per wall-clock second during calibration (GC accounting; the watch's readings are per CPU-second). */
  allocationRate: number;
  /** Predicted cost of one sample at this depth, in microseconds (see {@link sampleCostMicros}). */
  sampleCostMicros: number;
  /** Samples per second expected at `allocationRate`. */
  samplesPerSecond: number;
  /** Predicted overhead at `allocationRate`: samplesPerSecond × sampleCostMicros / 1e6. */
  expectedOverhead: number;
  /** Actual length of the calibration window, ms. */
  calibrationMs: number;
  /** True when `minInterval` or `maxInterval` overrode the budget. */
  clamped: boolean;
  /** The floor in force: `minInterval`, by default {@link safeInterval} (within `maxInterval`). */
  floor: number;
  /**
   * The live rate, the overhead it implies, and what was done about it:
   * warnings, restarts (and so when traces were dropped). Watching costs a
   * counter read per `checkMs`; `watch.stop()` ends it.
   */
  watch: BudgetWatch;
}

/**
 * Predicted CPU cost of one V8 sample recording up to `frames` frames, in µs:
 * what V8 does per sample (a stack walk, a call-tree insert, a weak handle,
 * a weak callback when the object dies). An upper fit of bench/RESULTS.md,
 * "Cost per sample" (2-core AMD EPYC, Node 20): 0.7–1.4 µs at 1 frame,
 * 2–4 µs at 16–64 frames on shallow programs and 10–15 µs on the TypeScript
 * compiler's deep stacks. Erring high errs toward less overhead. Depth counts
 * up to 64: programs rarely run deeper.
 */
export function sampleCostMicros(frames: number): number {
  return SAMPLE_COST_BASE_US + SAMPLE_COST_PER_FRAME_US * Math.min(frames, 64);
}
const SAMPLE_COST_BASE_US = 2;
const SAMPLE_COST_PER_FRAME_US = 0.2;

/**
 * The fastest a thread plausibly allocates while doing real work, in bytes
 * per CPU-second (estimated, GC accounting; `node bench/budget-load.js`
 * prints the figures): a JSON round trip allocates about 0.4 GB/CPU-s, a
 * server like the bench's less; only loops that do nothing but allocate go
 * faster (string building about 7, tiny object literals about 10). At the
 * floor this rate sets, the budget holds up to 4 GB/CPU-s and the watch's
 * warning (at twice the budget) stays silent up to 8.
 */
export const WORST_CASE_ALLOCATION_RATE = 4e9;

/**
 * The floor safe for an unknown load: the smallest power-of-two interval at
 * which a thread allocating at {@link WORST_CASE_ALLOCATION_RATE} stays
 * within `maxOverhead`, i.e. 4e9 × {@link sampleCostMicros}(frames) × 1e-6 /
 * maxOverhead rounded up to a power of two (at most 2^28). At 1%: 1 MiB at 1
 * frame, 2 MiB at 16, 8 MiB at 64; at 10%: 128 KiB, 256 KiB, 1 MiB.
 *
 * @example
 * safeInterval(16, 0.01); // 2097152
 */
export function safeInterval(frames: number, maxOverhead: number): number {
  const ideal = (WORST_CASE_ALLOCATION_RATE * sampleCostMicros(frames) * 1e-6) / maxOverhead;
  return Math.min(MAX_INTERVAL, 2 ** Math.ceil(Math.log2(Math.max(1, ideal))));
}

/**
 * The interval that keeps the predicted overhead at `maxOverhead` for a
 * program allocating `allocationRate` bytes per second:
 * overhead = (rate / interval) × cost, so interval = rate × cost / maxOverhead,
 * rounded up to a power of two and clamped to [minInterval; maxInterval]
 * (minInterval by default {@link safeInterval}(frames, maxOverhead)).
 *
 * @example
 * chooseInterval(100e6, 1, { maxOverhead: 0.01 }).interval; // 100 MB/s, 1%: the floor, 1048576
 * chooseInterval(100e6, 1, { maxOverhead: 0.01, minInterval: 1024 }).interval; // 32768
 * @throws {RangeError} a rate or option out of range
 */
export function chooseInterval(
  allocationRate: number,
  frames: number,
  options: BudgetOptions,
): Pick<BudgetChoice, 'interval' | 'sampleCostMicros' | 'samplesPerSecond' | 'expectedOverhead' | 'clamped' | 'floor'> {
  if (typeof allocationRate !== 'number' || !(allocationRate >= 0) || !Number.isFinite(allocationRate)) {
    throw new RangeError(`Expected a finite number ≥ 0 for allocationRate but received ${String(allocationRate)}`);
  }
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const { maxOverhead, minInterval, maxInterval } = budgetOptions(options, frames);
  const cost = sampleCostMicros(frames);
  const ideal = (allocationRate * cost * 1e-6) / maxOverhead;
  const pow2 = ideal <= 1 ? 1 : 2 ** Math.ceil(Math.log2(ideal));
  const interval = Math.min(maxInterval, Math.max(minInterval, pow2));
  const samplesPerSecond = allocationRate / interval;
  return {
    interval,
    sampleCostMicros: cost,
    samplesPerSecond,
    expectedOverhead: (samplesPerSecond * cost) / 1e6,
    clamped: interval !== pow2,
    floor: minInterval,
  };
}

function budgetOptions(options: BudgetOptions, frames: number): Required<BudgetOptions> {
  const opts = check.options(options, 'options', [
    'maxOverhead',
    'calibrationMs',
    'minInterval',
    'maxInterval',
    'adapt',
    'checkMs',
  ] as const);
  const maxOverhead = opts.maxOverhead;
  if (typeof maxOverhead !== 'number') {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a number for maxOverhead but received ${typeof maxOverhead}`);
  }
  if (!(maxOverhead > 0 && maxOverhead <= 1)) {
    throw argError('ERR_OUT_OF_RANGE', `maxOverhead must be in (0; 1] (0.01 is 1%), received ${maxOverhead}`);
  }
  const calibrationMs =
    opts.calibrationMs === undefined ? 1000 : check.integerInRange(opts.calibrationMs, 'calibrationMs', 1, 600000);
  const maxInterval =
    opts.maxInterval === undefined
      ? 16 * 1024 * 1024
      : check.integerInRange(
          check.samplingInterval(opts.maxInterval, 'maxInterval'),
          'maxInterval',
          opts.minInterval === undefined ? 1 : check.samplingInterval(opts.minInterval, 'minInterval'),
          MAX_INTERVAL,
        );
  const minInterval =
    opts.minInterval === undefined
      ? Math.min(maxInterval, safeInterval(frames, maxOverhead))
      : check.samplingInterval(opts.minInterval, 'minInterval');
  const adapt = opts.adapt === undefined ? false : check.boolean(opts.adapt, 'adapt');
  const checkMs = opts.checkMs === undefined ? 1000 : check.integerInRange(opts.checkMs, 'checkMs', 10, 3600000);
  return { maxOverhead, calibrationMs, minInterval, maxInterval, adapt, checkMs };
}

/**
 * Measures this thread's allocation rate for `calibrationMs` (the program
 * keeps running: this waits on a timer), then starts tracing with the
 * interval that keeps the predicted overhead at `maxOverhead`
 * ({@link chooseInterval}), never finer than the floor (`minInterval`, by
 * default {@link safeInterval}: within the budget at any plausible load, so a
 * server idle at boot is safe when the load comes). Objects allocated during
 * calibration are not traced.
 *
 * Then it watches (`choice.watch`, an unref'd timer every `checkMs`): it
 * reads the allocated bytes from GC accounting and the CPU time, and when the
 * overhead they imply passes twice the budget it emits a `TracemallocWarning`
 * (code `TRACEMALLOC_OVER_BUDGET`) once per episode. With `adapt: true` it also
 * restarts the sampler at a coarser interval, which drops every trace taken
 * before (V8 cannot change the interval otherwise): the warning says so, and
 * `choice.watch.restarts` / `tracesDroppedBefore` record it. Without `adapt`
 * the interval is fixed for the life of the trace.
 *
 * @example
 * const choice = await startWithBudget(16, { maxOverhead: 0.01 });
 * log(`tracing at ${choice.interval} B (floor ${choice.floor} B)`);
 * process.on('warning', (w) => { if (w.name === 'TracemallocWarning') log(w.message); });
 * @throws {RangeError} `maxOverhead` outside (0; 1], a bad frames, interval bound or checkMs
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING`, `ERR_TRACEMALLOC_SAMPLER_BUSY`
 */
export async function startWithBudget(frames: number, options: BudgetOptions): Promise<BudgetChoice> {
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const opts = budgetOptions(options, frames);
  const t0 = performance.now();
  const a0 = allocatedBytes();
  await new Promise<void>((resolve) => setTimeout(resolve, opts.calibrationMs));
  const a1 = allocatedBytes();
  const elapsed = performance.now() - t0;
  const allocationRate = Math.max(0, a1 - a0) / (elapsed / 1000);
  const choice = chooseInterval(allocationRate, frames, opts);
  startNative(frames, choice.interval, false);
  const watch = new BudgetWatch({
    frames,
    maxOverhead: opts.maxOverhead,
    interval: choice.interval,
    maxInterval: opts.maxInterval,
    adapt: opts.adapt,
    checkMs: opts.checkMs,
    costMicros: choice.sampleCostMicros,
    intervalFor: (rate) => chooseInterval(rate, frames, opts).interval,
  });
  return { ...choice, frames, allocationRate, calibrationMs: elapsed, watch };
}
