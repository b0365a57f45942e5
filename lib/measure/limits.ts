// pytest-memray's limit_memory and limit_leaks for node:test, jest, vitest
// or plain scripts: run a test body under the sampler and throw an
// AssertionError (what every runner reports as a failure) with the top
// allocation sites when it goes over.
import { argError } from '../helpers/errors';
import { AssertionError } from 'node:assert';
import type { BaseFilter } from '../model/filter';
import { formatSize } from '../helpers/format';
import { drive, type Measured, type Plan } from './loop';
import { formatStacks, formatTopSites } from './report';
import { collectGarbage, framesOption, measured, requireIdleSampler, tracedPass, warmUp } from './session';
import { describeSize, parseSize, type Size } from '../helpers/size';
import type { Snapshot } from '../model/snapshot';
import type { Statistic } from '../model/statistics';
import * as check from '../helpers/validate';

/** Which limit a {@link MemoryLimitError} is about. */
export type LimitKind = 'memory' | 'leaks';

/**
 * Thrown by {@link limitMemory} and {@link limitLeaks} when fn goes over its
 * limit: an `AssertionError` (code `ERR_ASSERTION`, `actual` the measured
 * bytes, `expected` the limit, operator `'<='`), so test runners report it as
 * a failed assertion, with the top allocation sites in its message.
 *
 * @example
 * try { limitMemory(build, '24 MB'); }
 * catch (e) { if (e instanceof MemoryLimitError) console.log(e.kind, e.measured, e.limit); }
 */
export class MemoryLimitError extends AssertionError {
  /** `'memory'`: the heap's peak went over; `'leaks'`: a call stack left too much alive. */
  readonly kind: LimitKind;
  /** The limit, in bytes. */
  readonly limit: number;
  /** The peak growth (`'memory'`) or the largest leak of one call stack (`'leaks'`), in bytes. */
  readonly measured: number;
  /** What was traced: every allocation (`'memory'`) or what was left alive (`'leaks'`). */
  readonly snapshot: Snapshot;

  constructor(kind: LimitKind, message: string, limit: number, measuredBytes: number, snapshot: Snapshot) {
    super({ message, actual: measuredBytes, expected: limit, operator: '<=' });
    this.name = 'MemoryLimitError';
    this.kind = kind;
    this.limit = limit;
    this.measured = measuredBytes;
    this.snapshot = snapshot;
  }
}

/** Options of {@link limitMemory}. */
export interface LimitMemoryOptions {
  /**
   * Sampling interval for the top sites shown on failure (default: the limit
   * / 1024, between 1 and 64 KiB, so any site worth 1‰ of the limit is
   * likely sampled). The peak itself is exact whatever the interval: it
   * comes from GC accounting, not from samples.
   */
  interval?: number;
  /** Frames recorded per allocation (default 8). */
  frames?: number;
}

/** What {@link limitMemory} measured. */
export interface MemoryReport {
  /** Highest growth of the used JS heap while fn ran (GC accounting: exact). */
  peakBytes: number;
  /** Bytes allocated while fn ran (GC accounting: exact, includes garbage). */
  allocatedBytes: number;
  /** Every allocation while fn ran, by site (estimates unless `interval` is 1). */
  snapshot: Snapshot;
}

function limitMemoryPlan(limitText: Size, limit: number, interval: number, frames: number): Plan<MemoryReport> {
  return (function* () {
    // A full GC first: garbage from before fn, collected while fn runs,
    // would otherwise hide fn's growth (the peak is measured from here).
    collectGarbage();
    const pass = yield* tracedPass(1, frames, true, interval);
    const report = { peakBytes: pass.peak, allocatedBytes: pass.heapAllocated, snapshot: pass.snapshot };
    if (pass.peak > limit) {
      const sampled = interval === 1 ? 'every allocation recorded' : `sampled every ${interval} B: sizes are estimates`;
      const message =
        `Test was limited to ${describeSize(limitText)} but its JS heap grew by ${formatSize(pass.peak)} (${pass.peak} B) at its peak\n` +
        `Allocated while it ran: ${formatSize(pass.heapAllocated)}. Top allocation sites (${sampled}):\n` +
        formatTopSites(pass.snapshot, { limit: 5 });
      throw new MemoryLimitError('memory', message, limit, pass.peak, pass.snapshot);
    }
    return report;
  })();
}

/**
 * Runs fn once and fails if the JS heap grew by more than `limit` at its
 * peak while it ran (pytest-memray's `limit_memory`). The peak is the
 * highest used heap seen at the start of every GC (when the heap is fullest)
 * and at the end, minus the heap in use when fn started, after a full GC
 * made first: exact, and it counts garbage for as long as it was not
 * collected, as the process had to hold it (a young-generation GC every few
 * MB of short-lived garbage keeps that bounded). Sizes: see {@link parseSize} (`'24 MB'` is 24·10⁶ bytes, `'24 MiB'`
 * 24·2²⁰). An async fn is awaited and a promise returned.
 *
 * @example
 * test('parses a big file within 24 MB', () => {
 *   limitMemory(() => parse(bigText), '24 MB');
 * });
 * @example
 * await limitMemory(async () => { await importAll(); }, '50 MiB');
 * @throws {MemoryLimitError} over the limit (an `AssertionError`), with the top allocation sites
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING` while tracing
 * @throws {TypeError} fn not a function, a bad size or option
 * @throws whatever fn throws
 */
export function limitMemory(
  fn: () => PromiseLike<unknown>,
  limit: Size,
  options?: LimitMemoryOptions,
): Promise<MemoryReport>;
export function limitMemory(fn: () => unknown, limit: Size, options?: LimitMemoryOptions): MemoryReport;
export function limitMemory(
  fn: Measured,
  limit: Size,
  options?: LimitMemoryOptions,
): MemoryReport | Promise<MemoryReport> {
  const f = measured(fn);
  const bytes = parseSize(limit);
  const o = check.options(options, 'options', ['interval', 'frames'] as const);
  const interval =
    o.interval === undefined
      ? Math.min(64 * 1024, Math.max(1, Math.floor(bytes / 1024)))
      : check.samplingInterval(o.interval);
  const frames = framesOption(o.frames, 8);
  requireIdleSampler('limitMemory()');
  return drive(f, limitMemoryPlan(limit, bytes, interval, frames));
}

/** Which leaks {@link limitLeaks} counts. */
export type LeakFilter = ((site: Statistic) => boolean) | Iterable<BaseFilter>;

/** Options of {@link limitLeaks}. */
export interface LimitLeaksOptions {
  /**
   * Leaks to count: a function called once per call stack that leaked more
   * than the limit, returning `false` to ignore it (pytest-memray's
   * `filter_fn`), or trace filters applied first (`[new Filter(false, 'node:*')]`).
   */
  filter?: LeakFilter;
  /** Untraced calls of fn first, to fill caches (default 0). */
  warmup?: number;
  /** Frames recorded per allocation: call stacks are told apart by these (default 16). */
  frames?: number;
}

/** What {@link limitLeaks} measured. */
export interface LeakReport {
  /** Bytes fn left alive after a full GC, all call stacks (after `Filter`s, if given). */
  leakedBytes: number;
  /** Leaks by distinct call stack, largest first (after `Filter`s, if given). */
  stacks: Statistic[];
  /** What fn left alive. */
  snapshot: Snapshot;
}

function isBaseFilterList(filter: unknown): filter is Iterable<BaseFilter> {
  return typeof filter === 'object' && filter !== null && Symbol.iterator in filter;
}

function limitLeaksPlan(
  limitText: Size,
  limit: number,
  filter: LeakFilter | undefined,
  warmup: number,
  frames: number,
): Plan<LeakReport> {
  return (function* () {
    yield* warmUp(warmup);
    const pass = yield* tracedPass(1, frames, false);
    const snapshot = isBaseFilterList(filter) ? pass.snapshot.filterTraces(filter) : pass.snapshot;
    const stacks = snapshot.statistics('traceback');
    const over = stacks.filter((s) => s.size > limit && (typeof filter !== 'function' || filter(s)));
    if (over.length > 0) {
      const worst = over[0].size;
      const message =
        `Test was limited to leaking ${describeSize(limitText)} per call stack but ${over.length} ` +
        `${over.length === 1 ? 'call stack' : 'call stacks'} left more alive after a full GC:\n` +
        formatStacks(over.slice(0, 5));
      throw new MemoryLimitError('leaks', message, limit, worst, snapshot);
    }
    return { leakedBytes: snapshot.totalSize, stacks, snapshot };
  })();
}

/**
 * Runs fn once and fails if any distinct call stack allocated more than
 * `limit` bytes that were still alive after fn returned and a full GC
 * (pytest-memray's `limit_leaks`). Every allocation is traced (interval 1),
 * so run the code under test in a loop inside fn: a true leak grows with
 * the loop, while caches that V8, Node or your libraries fill once do not.
 * Fails only over the limit, so allow what such caches keep. An async fn is
 * awaited and a promise returned.
 *
 * @example
 * test('the session store does not leak', () => {
 *   limitLeaks(() => { for (let i = 0; i < 1000; i++) store.touch(id); }, '1 MB');
 * });
 * @example
 * limitLeaks(body, '64 KiB', { filter: (site) => !String(site.traceback).includes('node_modules') });
 * @throws {MemoryLimitError} a call stack over the limit (an `AssertionError`), with those stacks
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING` while tracing
 * @throws {TypeError} fn not a function, a bad size or option
 * @throws whatever fn throws
 */
export function limitLeaks(
  fn: () => PromiseLike<unknown>,
  limit: Size,
  options?: LimitLeaksOptions,
): Promise<LeakReport>;
export function limitLeaks(fn: () => unknown, limit: Size, options?: LimitLeaksOptions): LeakReport;
export function limitLeaks(fn: Measured, limit: Size, options?: LimitLeaksOptions): LeakReport | Promise<LeakReport> {
  const f = measured(fn);
  const bytes = parseSize(limit);
  const o = check.options(options, 'options', ['filter', 'warmup', 'frames'] as const);
  const filter = o.filter;
  if (filter !== undefined && typeof filter !== 'function' && !isBaseFilterList(filter)) {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected a function or an iterable of filters for filter');
  }
  const warmup =
    o.warmup === undefined
      ? 0
      : check.integerInRange(
          o.warmup,
          'warmup',
          0,
          Number.MAX_SAFE_INTEGER,
          'warmup must be an integer number of calls ≥ 0',
        );
  const frames = framesOption(o.frames, 16);
  requireIdleSampler('limitLeaks()');
  return drive(f, limitLeaksPlan(limit, bytes, filter as LeakFilter | undefined, warmup, frames));
}
