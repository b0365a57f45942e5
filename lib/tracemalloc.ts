// start/stop/state and takeSnapshot(): the only module that drives the binding.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { TracemallocError, rethrowNative } from './errors';
import { native, type NativeBinding } from './native';
import { Snapshot } from './snapshot';
import * as check from './validate';

/** Python's limit on frames per traceback; V8 itself takes any int. */
export const MAX_FRAMES = 65535;
/** V8's default sampling interval, a good always-on setting: 512 KiB. */
export const DEFAULT_SAMPLED_INTERVAL = 512 * 1024;

/** Options of {@link start}. */
export interface StartOptions {
  /**
   * Mean bytes between samples (a Poisson process, as V8 samples). `1`, the
   * default, records every allocation: exact sizes and counts, at a cost of
   * 15–190× on allocation-heavy code. Production: `512 * 1024` (V8's default),
   * about 1.02–1.09×; sizes and counts are then unbiased estimates.
   */
  interval?: number;
}

/** Options of {@link takeSnapshot}. */
export interface SnapshotOptions {
  /**
   * Collect garbage first (default `true`). V8 forgets a sample only when a GC
   * frees its object, so without it the snapshot also holds unreachable
   * objects not yet collected. A full GC costs roughly 1 ms per 1–2 MB of live
   * heap: pass `false` in production.
   */
  gc?: boolean;
}

/** Result of {@link getTracedMemory}, in bytes. */
export interface TracedMemory {
  /**
   * Bytes of the objects allocated since tracing started that are still
   * recorded: live, or unreachable but not yet collected. Exact at interval 1,
   * an unbiased estimate otherwise. Excludes the tracer's own objects.
   */
  current: number;
  /**
   * The highest growth of the JS heap since `start()`, `clearTraces()` or
   * `resetPeak()`: the maximum of (used heap − used heap at start), read at the
   * start of every GC (when the heap is fullest) and at this call; never less
   * than `current`. It counts garbage that filled the heap before a GC freed it.
   */
  peak: number;
}

// The tracer's own files (this directory: lib/ or dist/, as paths and as the
// file URLs ES modules are named by). Samples whose innermost frame lies here
// are our own work (snapshot conversion runs under the sampler) and are left
// out of every snapshot.
const OWN_PREFIXES = [__dirname + path.sep, pathToFileURL(__dirname).href + '/'];

function binding(): NativeBinding {
  return native();
}

function domain(): number {
  return threadId;
}

/**
 * Starts tracing JS heap allocations in this thread, storing up to `frames`
 * frames per traceback (the most recent ones).
 *
 * Calling it while already tracing does nothing, as in Python, where a
 * program that calls `tracemalloc.start()` runs unchanged under
 * `-X tracemalloc`: under `tracemalloc run` or `node -r node-tracemalloc/register`
 * the program's own `start()` keeps the settings tracing started with. V8
 * cannot change them without forgetting every trace, so when they differ
 * from the ones asked for, a `TracemallocWarning` (code
 * `TRACEMALLOC_SETTINGS_KEPT`) says which are in force; call {@link stop}
 * first to change them. Snapshots always report the settings in force.
 *
 * @param frames traceback limit, 1 to 65535 (default 1). Each sample costs more the deeper it records.
 * @example
 * tracemalloc.start();                                 // exact: every allocation
 * tracemalloc.start(25, { interval: 512 * 1024 });     // production: sampled
 * @throws {RangeError} `the number of frames must be in range [1; 65535]`; a bad interval
 * @throws {TypeError} an argument of the wrong type, an unknown option
 * @throws {TracemallocError} `ERR_TRACEMALLOC_SAMPLER_BUSY` when another tool runs V8's sampler
 */
export function start(frames: number = 1, options?: StartOptions): void {
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const opts = check.options(options, 'options', ['interval'] as const);
  const interval =
    opts.interval === undefined
      ? 1
      : check.integerInRange(opts.interval, 'interval', 1, Number.MAX_SAFE_INTEGER, 'the interval must be an integer number of bytes ≥ 1');
  const current = binding().settings();
  if (current !== null) {
    if (current.frames !== frames || current.interval !== interval) {
      process.emitWarning(
        `already tracing with frames=${current.frames}, interval=${current.interval}: ` +
          `start(${frames}, { interval: ${interval} }) keeps those (call stop() first to change them)`,
        { type: 'TracemallocWarning', code: 'TRACEMALLOC_SETTINGS_KEPT' },
      );
    }
    return;
  }
  startNative(frames, interval, false);
}

// Starting the sampler restarts the binding's heap window (allocated bytes,
// peak): lib/measure/counter.ts registers here to bank its running total first.
let beforeHeapWindowReset: (() => void) | undefined;

/** @internal lets allocatedBytes() keep counting across start()/clearTraces(). */
export function onHeapWindowReset(hook: () => void): void {
  beforeHeapWindowReset = hook;
}

/** @internal also used by measure(): `includeCollected` keeps garbage's samples. */
export function startNative(frames: number, interval: number, includeCollected: boolean): void {
  const b = binding();
  const current = b.settings();
  if (current !== null) {
    if (current.frames === frames && current.interval === interval && current.includeCollected === includeCollected) {
      return;
    }
    throw new TracemallocError(
      'ERR_TRACEMALLOC_ALREADY_TRACING',
      `already tracing with frames=${current.frames}, interval=${current.interval}: call stop() before starting with other settings`,
    );
  }
  beforeHeapWindowReset?.();
  try {
    b.start(interval, frames, includeCollected);
  } catch (error) {
    rethrowNative(error);
  }
}

/**
 * Stops tracing and forgets every trace. Does nothing when not tracing.
 * Only stops V8's sampler if this library started it.
 */
export function stop(): void {
  binding().stop();
}

/** True while tracing in this thread. */
export function isTracing(): boolean {
  return binding().isTracing();
}

/** Frames kept per traceback, as given to {@link start}; 0 when not tracing (Python keeps the last value; we have none). */
export function getTracebackLimit(): number {
  return binding().settings()?.frames ?? 0;
}

/** Sampling interval in bytes while tracing (1: every allocation); 0 when not tracing. */
export function getSamplingInterval(): number {
  return binding().settings()?.interval ?? 0;
}

/**
 * Forgets every trace and restarts with the same settings; also resets the peak.
 * Does nothing when not tracing.
 */
export function clearTraces(): void {
  const b = binding();
  const settings = b.settings();
  if (settings === null) return;
  b.stop();
  beforeHeapWindowReset?.();
  try {
    b.start(settings.interval, settings.frames, settings.includeCollected);
  } catch (error) {
    // Someone grabbed the sampler in between: we cannot be tracing now.
    rethrowNative(error);
  }
}

function notTracing(what: string): TracemallocError {
  return new TracemallocError(
    'ERR_TRACEMALLOC_NOT_TRACING',
    `the tracemalloc module must be tracing memory allocations to ${what}`,
  );
}

/**
 * Takes a snapshot of the traces of live objects allocated since tracing started.
 *
 * The tracer's own allocations (converting the profile runs under the
 * sampler) never appear in it. Frame lines are function **start** lines.
 *
 * @example
 * const snapshot = tracemalloc.takeSnapshot();
 * for (const stat of snapshot.statistics('lineno').slice(0, 10)) console.log(String(stat));
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NOT_TRACING`; `ERR_TRACEMALLOC_SAMPLER_LOST` when
 *   another tool stopped V8's sampler (tracing has then stopped)
 * @throws {TypeError} a bad option
 */
export function takeSnapshot(options?: SnapshotOptions): Snapshot {
  const opts = check.options(options, 'options', ['gc'] as const);
  const gc = opts.gc === undefined ? true : check.boolean(opts.gc, 'gc');
  const b = binding();
  const settings = b.settings();
  if (settings === null) throw notTracing('take a snapshot');
  if (gc) b.collectGarbage();
  let raw;
  try {
    raw = b.snapshot(OWN_PREFIXES);
  } catch (error) {
    rethrowNative(error);
  }
  const sampleDomain = new Uint32Array(raw.sampleStack.length).fill(domain());
  const table = { ...raw, sampleDomain };
  return new Snapshot(table, { tracebackLimit: settings.frames, interval: settings.interval, timestamp: Date.now() });
}

/**
 * Bytes traced now and at the peak; see {@link TracedMemory} for exactly what
 * each counts. `current` walks V8's profile (about 4 ms per 100k live
 * samples); `peak` costs nothing to keep (GC callbacks). `{ current: 0, peak: 0 }`
 * when not tracing, as in Python.
 */
export function getTracedMemory(): TracedMemory {
  const b = binding();
  if (b.settings() === null) return { current: 0, peak: 0 };
  let current;
  try {
    current = b.tracedTotals(OWN_PREFIXES).size;
  } catch (error) {
    rethrowNative(error);
  }
  const heap = b.heapCounters();
  const peakGrowth = heap === null ? 0 : heap.peak - heap.baseline;
  return { current, peak: Math.max(current, peakGrowth) };
}

/** Starts the peak of {@link getTracedMemory} afresh from the heap in use now. */
export function resetPeak(): void {
  binding().resetPeak();
}

// V8 keeps each live sample in a hash map entry holding a weak global handle
// (~125 bytes, measured: process memory per live sample) and each call-tree
// node in a node with two child maps (~200 bytes, from V8's struct layout).
const BYTES_PER_SAMPLE = 125;
const BYTES_PER_NODE = 200;

/**
 * Estimated bytes the tracer holds on V8's side for its traces (Python's
 * `get_tracemalloc_memory()`): about 125 B per live sample plus 200 B per
 * call-tree node. An estimate; 0 when not tracing. Costs a walk of V8's profile.
 */
export function getTracemallocMemory(): number {
  const b = binding();
  if (b.settings() === null) return 0;
  try {
    const size = b.profileSize();
    return size.samples * BYTES_PER_SAMPLE + size.nodes * BYTES_PER_NODE;
  } catch (error) {
    rethrowNative(error);
  }
}

/**
 * @internal True while tracing also keeps the samples of collected objects
 * (an "allocated" profile, as measure() runs it), false for live objects only
 * or when not tracing: what /debug/pprof/allocs needs (lib/http/pprof-handler.ts).
 */
export function tracesCollected(): boolean {
  return binding().settings()?.includeCollected === true;
}
