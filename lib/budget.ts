// An overhead budget, as far as V8 allows one: the sampling interval is
// chosen ONCE, at start, from the program's allocation rate measured by the
// GC-accounting counter during a short calibration window, then fixed.
//
// Why not adapt it while running: V8 fixes the interval when the sampler
// starts and has no way to change it. v8::HeapProfiler has only
// StartSamplingHeapProfiler(interval, depth, flags), StopSamplingHeapProfiler()
// and GetAllocationProfile() (v8-profiler.h); the interval is a `const
// uint64_t rate_` of the SamplingHeapProfiler and of its allocation observer
// (src/profiler/sampling-heap-profiler.h); Start returns false while a
// sampler runs, and Stop deletes the profiler with every sample
// (src/profiler/heap-profiler.cc: `sampling_heap_profiler_.reset()`).
// Restarting at a new interval therefore forgets every live object sampled so
// far: after it, a snapshot of live memory silently misses everything
// allocated before the restart. That is only sound for a cumulative
// ("allocated") profile, where samples never die and earlier profiles could be
// banked, each sample weighted by the interval in force when it was taken;
// snapshots of live memory (what tracemalloc reports) cannot be kept unbiased
// across a restart. So the interval is fixed, and every snapshot reports it
// (`snapshot.interval`): estimates stay unbiased (one interval, V8's Poisson
// sampling, each sample scaled by it).
//
// The price: the budget is a prediction for the allocation rate seen during
// calibration. A program that later allocates k times faster pays about k
// times the overhead; `BudgetChoice` says what was measured so that callers
// can log it.
import { argError } from './errors';
import { MAX_INTERVAL } from './constants';
import { allocatedBytes } from './measure/counter';
import { DEFAULT_SAMPLED_INTERVAL, MAX_FRAMES, startNative } from './tracemalloc';
import * as check from './validate';

/** Options of {@link startWithBudget}. */
export interface BudgetOptions {
  /** Target fraction of extra CPU time, e.g. `0.01` for 1%. Required, in (0; 1]. */
  maxOverhead: number;
  /** How long to measure the allocation rate before starting (ms, default 1000). */
  calibrationMs?: number;
  /** Never sample more often than this (bytes, default 1024). */
  minInterval?: number;
  /** Never sample less often than this (bytes, default 16 MiB). */
  maxInterval?: number;
}

/** What {@link startWithBudget} measured and chose. */
export interface BudgetChoice {
  /** The sampling interval tracing runs with, in bytes (also `snapshot.interval`). */
  interval: number;
  /** Frames kept per traceback (the `frames` given). */
  frames: number;
  /** JS heap bytes allocated per second during calibration (GC accounting). */
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
 * The interval that keeps the predicted overhead at `maxOverhead` for a
 * program allocating `allocationRate` bytes per second:
 * overhead = (rate / interval) × cost, so interval = rate × cost / maxOverhead,
 * rounded up to a power of two and clamped to [minInterval; maxInterval].
 *
 * @example
 * chooseInterval(100e6, 1, { maxOverhead: 0.01 }).interval; // 100 MB/s, 1% → 32768
 * @throws {RangeError} a rate or option out of range
 */
export function chooseInterval(
  allocationRate: number,
  frames: number,
  options: BudgetOptions,
): Pick<BudgetChoice, 'interval' | 'sampleCostMicros' | 'samplesPerSecond' | 'expectedOverhead' | 'clamped'> {
  if (typeof allocationRate !== 'number' || !(allocationRate >= 0) || !Number.isFinite(allocationRate)) {
    throw new RangeError(`Expected a finite number ≥ 0 for allocationRate but received ${String(allocationRate)}`);
  }
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const { maxOverhead, minInterval, maxInterval } = budgetOptions(options);
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
  };
}

function budgetOptions(options: BudgetOptions): Required<BudgetOptions> {
  const opts = check.options(options, 'options', [
    'maxOverhead',
    'calibrationMs',
    'minInterval',
    'maxInterval',
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
  const minInterval = opts.minInterval === undefined ? 1024 : check.samplingInterval(opts.minInterval, 'minInterval');
  const maxInterval =
    opts.maxInterval === undefined
      ? 16 * 1024 * 1024
      : check.integerInRange(
          check.samplingInterval(opts.maxInterval, 'maxInterval'),
          'maxInterval',
          minInterval,
          MAX_INTERVAL,
        );
  return { maxOverhead, calibrationMs, minInterval, maxInterval };
}

/**
 * Measures this thread's allocation rate for `calibrationMs` (the program
 * keeps running: this waits on a timer), then starts tracing with the
 * interval that keeps the predicted overhead at `maxOverhead`
 * ({@link chooseInterval}). The interval is then fixed for the life of the
 * trace: V8 cannot change it without forgetting every sampled live object.
 * Objects allocated during calibration are not traced. If the program
 * allocated nothing measurable, tracing starts at V8's default (512 KiB).
 *
 * @example
 * const choice = await startWithBudget(8, { maxOverhead: 0.01 });
 * log(`tracing at ${choice.interval} B (allocating ${choice.allocationRate} B/s)`);
 * @throws {RangeError} `maxOverhead` outside (0; 1], a bad frames or interval bound
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING`, `ERR_TRACEMALLOC_SAMPLER_BUSY`
 */
export async function startWithBudget(frames: number, options: BudgetOptions): Promise<BudgetChoice> {
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const opts = budgetOptions(options);
  const t0 = performance.now();
  const a0 = allocatedBytes();
  await new Promise<void>((resolve) => setTimeout(resolve, opts.calibrationMs));
  const a1 = allocatedBytes();
  const elapsed = performance.now() - t0;
  const allocationRate = Math.max(0, a1 - a0) / (elapsed / 1000);
  let choice = chooseInterval(allocationRate, frames, opts);
  if (allocationRate === 0) {
    choice = { ...chooseInterval(0, frames, opts), interval: DEFAULT_SAMPLED_INTERVAL, samplesPerSecond: 0 };
  }
  startNative(frames, choice.interval, false);
  return { ...choice, frames, allocationRate, calibrationMs: elapsed };
}
