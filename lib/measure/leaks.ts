// The leak check behind `expect(fn).not.toLeak()`: what repeated calls leave
// alive after a full GC, measured exactly.
import { disableInlining } from '../tracer/inlining';
import type { Snapshot } from '../model/snapshot';
import { parseSize, type Size } from '../helpers/size';
import * as check from '../helpers/validate';
import { drive, type Plan } from './loop';
import {
  mapForTests,
  framesOption,
  iterationsOption,
  measured,
  requireIdleSampler,
  settle,
  tracedPass,
  warmUp,
  warmupOption,
} from './session';

/** Options of {@link checkLeaks}. */
export interface LeakOptions {
  /** Calls per pass (default 100). */
  iterations?: number;
  /** Untraced calls first, to fill caches and let V8 optimize fn (default `'auto'`, as in `measure`). */
  warmup?: number | 'auto';
  /** Bytes a pass may leave alive and still not count as a leak (default 0). */
  threshold?: Size;
  /** Frames recorded per allocation (default 4). */
  frames?: number;
  /** Passes at most (default 5). */
  maxPasses?: number;
  /** Let V8 inline (default `false`, as in `measure`: fn's helpers keep their own frames). */
  inlining?: boolean;
}

/** What {@link checkLeaks} found. */
export interface LeakResult {
  /** Bytes that `iterations` calls left alive after a full GC (the smallest pass). */
  retainedBytes: number;
  /** Objects they left alive. */
  retainedAllocs: number;
  /** `retainedBytes > threshold`. */
  leaks: boolean;
  /** The threshold in bytes. */
  threshold: number;
  /** Calls per pass (after warm-up), as {@link LeakOptions.iterations}. */
  iterations: number;
  /** Passes run. */
  passes: number;
  /** What the kept pass left alive, by site. */
  snapshot: Snapshot;
}

function* leakPlan(
  iterations: number,
  warmup: number | 'auto',
  frames: number,
  maxPasses: number,
  threshold: number,
): Plan<LeakResult> {
  yield* warmUp(warmup);
  const kept = yield* settle(() => tracedPass(iterations, frames, false), maxPasses);
  const snapshot = kept.pass.snapshot;
  const result: LeakResult = {
    retainedBytes: snapshot.totalSize,
    retainedAllocs: snapshot.totalCount,
    leaks: snapshot.totalSize > threshold,
    threshold,
    iterations,
    passes: kept.passes,
    snapshot,
  };
  return mapForTests(result, 'snapshot');
}

/**
 * Calls fn `iterations` times under V8's sampler keeping only live objects'
 * samples, collects garbage, and reports what those calls left alive: the
 * retained growth of repeated runs. Passes repeat (up to `maxPasses`) until
 * one leaves nothing, or the smallest has been seen twice, keeping the
 * smallest: a leak retains about as much in every pass, while V8's one-off
 * work for fn (installing its optimized code) lands in one pass only.
 * Async fns are awaited and the result is a promise, as in `measure`.
 *
 * @example
 * const r = checkLeaks(() => cache.get(key), { iterations: 1000, threshold: '1 KiB' });
 * if (r.leaks) console.log(formatTopSites(r.snapshot));
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING` while tracing, as `measure`
 * @throws {TypeError} fn is not a function; a bad option or size
 * @throws {RangeError} an option out of range
 */
export function checkLeaks(fn: () => PromiseLike<unknown>, options?: LeakOptions): Promise<LeakResult>;
export function checkLeaks(fn: () => unknown, options?: LeakOptions): LeakResult;
export function checkLeaks(fn: () => unknown, options?: LeakOptions): LeakResult | Promise<LeakResult> {
  const f = measured(fn);
  const o = check.options(options, 'options', [
    'iterations',
    'warmup',
    'threshold',
    'frames',
    'maxPasses',
    'inlining',
  ] as const);
  const iterations = iterationsOption(o.iterations, 100);
  const warmup = warmupOption(o.warmup, 'auto');
  const frames = framesOption(o.frames, 4);
  const maxPasses =
    o.maxPasses === undefined
      ? 5
      : check.integerInRange(o.maxPasses, 'maxPasses', 1, 100, 'maxPasses must be an integer in range [1; 100]');
  const threshold = o.threshold === undefined ? 0 : parseSize(o.threshold as Size);
  const inlining = o.inlining === undefined ? false : check.boolean(o.inlining, 'inlining');
  requireIdleSampler('checkLeaks()');
  if (!inlining) disableInlining();
  return drive(f, leakPlan(iterations, warmup, frames, maxPasses, threshold));
}
