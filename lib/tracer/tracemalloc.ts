// start/stop/state and takeSnapshot(): the only module that drives the binding.
import { threadId } from 'node:worker_threads';
import { underJest } from '../model/compiled-scripts';
import { TracemallocError, argError, rethrowNative } from '../helpers/errors';
import { defaultInlining, disableInlining, inliningEnabled } from './inlining';
import { MAX_FRAMES } from '../helpers/constants';
import { OWN_PREFIXES } from '../helpers/own-files';
import { native, type NativeBinding, type NativeHeapCounters, type NativeSettings, type NativeTable } from './native';
import { Snapshot, SNAPSHOT_VIEWS, type SnapshotView } from '../model/snapshot';
import { isSnapshotView } from '../model/views';
import { applySourceMaps } from '../model/source-maps';
import * as check from '../helpers/validate';

export { MAX_FRAMES, MAX_INTERVAL, DEFAULT_SAMPLED_INTERVAL } from '../helpers/constants';

/** Options of {@link start}. */
export interface StartOptions {
  /**
   * Mean bytes between samples (a Poisson process, as V8 samples). `1`, the
   * default, records every allocation: exact sizes and counts, at a cost of
   * 15–190× on allocation-heavy code. Production: `512 * 1024` (V8's default),
   * about 1.02–1.09×; sizes and counts are then unbiased estimates. At most
   * `MAX_INTERVAL` (256 MiB): V8 caps each step between samples at
   * 2 GiB, so a larger mean would over-estimate every size.
   */
  interval?: number;
  /**
   * `false` turns V8's inlining off (TurboFan's and Maglev's) before tracing
   * starts, so that small functions keep their own frames instead of having
   * their allocations charged to their callers. V8's flags are process-wide
   * and apply to code optimized from then on: start early. Default: `false`
   * in exact mode (interval 1); at sampled intervals
   * `SAMPLED_INLINING_DEFAULT` (see docs/design.md, "Inlining"). `true` leaves
   * V8 as it is. Snapshots say which was in force (`snapshot.inlining`).
   */
  inlining?: boolean;
  /**
   * Keep the samples of objects the GC has collected too, for
   * `takeSnapshot({ view: 'allocated' })`: everything allocated since
   * tracing started. Memory grows with every sample taken (about 125 B
   * each, never freed until stop()), so use it for programs that end. Before
   * Node 26 the live view is then unavailable (V8 cannot tell which samples
   * are still live).
   */
  allocated?: boolean;
  /**
   * Keep the traces of the moment the JS heap was fullest, for
   * `takeSnapshot({ view: 'peak' })`: what used the memory, even if it is
   * garbage by now. The heap (the old generation, and the young one's
   * survivors of the last GC) is checked after every GC and every 50 ms (a
   * thread asks V8 for an interrupt: this works in code that never yields);
   * each time it passes its last look by 10%, the profile is walked (about
   * 4 ms per 100k samples) at V8's next safe point, and the table kept if it
   * traces more bytes than the kept one (objects alive then, and garbage not
   * yet collected then). A peak that lives and dies in the young generation
   * between two GCs is seen only if a peak snapshot is taken before it dies.
   */
  peak?: boolean;
}

/** Options of {@link takeSnapshot}. */
export interface SnapshotOptions {
  /**
   * Collect garbage first (default `true`). V8 forgets a sample only when a GC
   * frees its object, so without it the snapshot also holds unreachable
   * objects not yet collected. A full GC costs roughly 1 ms per 1–2 MB of live
   * heap: pass `false` in production. Not done for the `'allocated'` view,
   * which a GC does not change.
   */
  gc?: boolean;
  /**
   * Which traces: `'live'` (objects alive now), `'allocated'` (everything
   * allocated since tracing started; needs `start(..., { allocated: true })`)
   * or `'peak'` (objects alive when the heap was fullest; needs
   * `start(..., { peak: true })`). Default: `'allocated'` when tracing
   * started with `allocated: true`, else `'live'`.
   */
  view?: SnapshotView;
  /**
   * Map frames of transformed code back to the original file, line and
   * function (`applySourceMaps(snapshot, { compiled: true })`): the code
   * jest's transformers (babel-jest, ts-jest) ran, and code with source
   * maps. Default: `true` under jest, `false` elsewhere (call
   * `applySourceMaps` yourself).
   */
  sourceMaps?: boolean;
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
   * than any `current` reported since. It counts garbage that filled the heap
   * before a GC freed it.
   */
  peak: number;
}

// Samples whose innermost frame lies in our own files (lib/helpers/own-files.ts) are
// our own work (snapshot conversion runs under the sampler) and are left out
// of every snapshot.

function binding(): NativeBinding {
  return native();
}

/** The peak view looks at the profile when the heap (see native/peak_capture.h) passes the last look by this fraction... */
export const PEAK_MARGIN = 0.1;
/** ...and the heap at start by this many bytes (no looks for a heap that barely grew). */
export const PEAK_MIN_GROWTH = 1024 * 1024;

/** What this module knows of the tracing in force beyond the binding's settings. */
interface Session {
  /** Whether V8 inlined when tracing started (what snapshots report). */
  inlining: boolean;
  peak: boolean;
  /** The highest `current` getTracedMemory() reported since start, clearTraces() or resetPeak(). */
  highestCurrent: number;
  /** The used heap when tracing started: the peak's growth is measured from it. */
  heapBase: number;
}
let session: Session | undefined;

function currentSession(): Session {
  // Tracing started by another copy of this module: all we can tell.
  session ??= { inlining: inliningEnabled(), peak: false, highestCurrent: 0, heapBase: openHeapWindow(binding()) };
  return session;
}

function armPeak(b: NativeBinding): void {
  try {
    b.armPeak(OWN_PREFIXES, PEAK_MARGIN, PEAK_MIN_GROWTH);
  } catch (error) {
    rethrowNative(error);
  }
  currentSession().peak = true;
}

function viewUnavailable(message: string): TracemallocError {
  return new TracemallocError('ERR_TRACEMALLOC_VIEW_UNAVAILABLE', message);
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
 * @throws {RangeError} `the number of frames must be in range [1; 65535]`; an interval that is not an integer from 1 to `MAX_INTERVAL`
 * @throws {TypeError} an argument of the wrong type, an unknown option
 * @throws {TracemallocError} `ERR_TRACEMALLOC_SAMPLER_BUSY` when another tool runs V8's sampler
 */
export function start(frames: number = 1, options?: StartOptions): void {
  check.integerInRange(frames, 'frames', 1, MAX_FRAMES, `the number of frames must be in range [1; ${MAX_FRAMES}]`);
  const opts = check.options(options, 'options', ['interval', 'inlining', 'allocated', 'peak'] as const);
  const interval = opts.interval === undefined ? 1 : check.samplingInterval(opts.interval);
  const inlining = opts.inlining === undefined ? defaultInlining(interval) : check.boolean(opts.inlining, 'inlining');
  const allocated = opts.allocated === undefined ? false : check.boolean(opts.allocated, 'allocated');
  const peak = opts.peak === undefined ? false : check.boolean(opts.peak, 'peak');
  const b = binding();
  if (allocated && peak && !b.samplesSayLive) {
    throw viewUnavailable(
      `the peak view needs to tell live samples from collected ones, which this V8 (Node ${process.version}) cannot ` +
        'while it keeps collected objects: start with allocated or peak, not both (Node 26 does both)',
    );
  }
  // Before the sampler starts: code V8 optimizes from now on keeps its frames.
  if (!inlining) disableInlining();
  const current = b.settings();
  if (current !== null) {
    if (current.frames !== frames || current.interval !== interval || current.includeCollected !== allocated) {
      const inForce = current.includeCollected ? ', allocated=true' : '';
      const asked = allocated ? ', allocated: true' : '';
      process.emitWarning(
        `already tracing with frames=${current.frames}, interval=${current.interval}${inForce}: ` +
          `start(${frames}, { interval: ${interval}${asked} }) keeps those (call stop() first to change them)`,
        { type: 'TracemallocWarning', code: 'TRACEMALLOC_SETTINGS_KEPT' },
      );
    }
    if (peak && !currentSession().peak && (!current.includeCollected || b.samplesSayLive)) armPeak(b);
    return;
  }
  startNative(frames, interval, allocated);
  if (peak) {
    try {
      armPeak(b);
    } catch (error) {
      stop();
      throw error;
    }
  }
}

/**
 * @internal This thread's heap counters (native/heap_watch.h): monotonic but
 * for the peak, so every window is a difference taken by its reader.
 * @throws {TracemallocError} ERR_TRACEMALLOC_TEARDOWN once the environment is going away
 */
export function heapCounters(): NativeHeapCounters {
  const c = binding().heapCounters();
  if (c === null) {
    throw new TracemallocError('ERR_TRACEMALLOC_TEARDOWN', 'the environment is shutting down: no heap counters');
  }
  return c;
}

/** @internal Restarts the heap peak from now; returns the used heap now, the window's base. */
export function openHeapWindow(b: NativeBinding = binding()): number {
  b.resetPeak();
  return b.heapCounters()?.used ?? 0;
}

/** @internal Full collections until nothing more is freed (no --expose-gc needed). */
export function collectGarbage(): void {
  binding().collectGarbage();
}

/** @internal The sampler's settings while this thread traces, else null. */
export function samplerSettings(): NativeSettings | null {
  return binding().settings();
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
  // Before the sampler starts: reading the counters makes a JS object, which
  // would otherwise be a sample of garbage in the new traces.
  const heapBase = openHeapWindow(b);
  try {
    b.start(interval, frames, includeCollected);
  } catch (error) {
    rethrowNative(error);
  }
  session = { inlining: inliningEnabled(), peak: false, highestCurrent: 0, heapBase };
}

/**
 * Stops tracing and forgets every trace. Does nothing when not tracing.
 * Only stops V8's sampler if it is ours: one another tool started after
 * stopping ours is left running (see docs/sampler-sharing.md for when V8
 * leaves that impossible to tell).
 */
export function stop(): void {
  binding().stop();
  session = undefined;
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
  const kept = currentSession();
  b.stop();
  const heapBase = openHeapWindow(b);
  try {
    b.start(settings.interval, settings.frames, settings.includeCollected);
  } catch (error) {
    // Someone grabbed the sampler in between: we cannot be tracing now.
    session = undefined;
    rethrowNative(error);
  }
  session = { inlining: kept.inlining, peak: false, highestCurrent: 0, heapBase };
  if (kept.peak) armPeak(b);
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
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NOT_TRACING`; `ERR_TRACEMALLOC_TRACES_LOST`, once,
 *   when another tool stopped V8's sampler, destroying the traces (tracing has restarted: later
 *   snapshots hold what was allocated since); `ERR_TRACEMALLOC_SAMPLER_LOST` when another tool
 *   replaced our sampler with its own (tracing has stopped). See docs/sampler-sharing.md.
 * @throws {TypeError} a bad option
 */
export function takeSnapshot(options?: SnapshotOptions): Snapshot {
  const opts = check.options(options, 'options', ['gc', 'view', 'sourceMaps'] as const);
  const gc = opts.gc === undefined ? true : check.boolean(opts.gc, 'gc');
  const sourceMaps = opts.sourceMaps === undefined ? underJest() : check.boolean(opts.sourceMaps, 'sourceMaps');
  const b = binding();
  const settings = b.settings();
  if (settings === null) throw notTracing('take a snapshot');
  const view = opts.view === undefined ? (settings.includeCollected ? 'allocated' : 'live') : viewOption(opts.view);
  const { inlining, peak } = currentSession();
  if (view === 'allocated' && !settings.includeCollected) {
    throw viewUnavailable('the allocated view needs tracing started with { allocated: true } (run: --view allocated)');
  }
  // With collected objects kept, only V8's own live mark tells the live ones.
  const liveOnly = view !== 'allocated' && settings.includeCollected;
  if (liveOnly && !b.samplesSayLive) {
    throw viewUnavailable(
      `tracing keeps collected objects ({ allocated: true }), and this V8 (Node ${process.version}) cannot tell ` +
        'which samples are live: only the allocated view is available (Node 26 gives both)',
    );
  }
  if (view === 'peak' && !peak)
    throw viewUnavailable('the peak view needs tracing started with { peak: true } (run: --view peak)');
  // Growth since the last look (up to 50 ms of it, and the young
  // generation's) is not missed: looked at now, before a GC frees what may
  // have been the peak.
  if (view === 'peak') b.capturePeak();
  if (gc && view !== 'allocated') b.collectGarbage();
  let raw: NativeTable;
  let timestamp = Date.now();
  try {
    raw = b.snapshot(OWN_PREFIXES, liveOnly || undefined);
    if (view === 'peak') {
      // The capture, unless what is alive now is as large: then now is the peak.
      const captured = b.peakSnapshot(total(raw));
      if (captured !== null) {
        raw = captured.table;
        timestamp = captured.timestamp;
      }
    }
  } catch (error) {
    rethrowNative(error);
  }
  // Zeroed already for the main thread (domain 0): no pass over 1M rows.
  const sampleDomain = new Uint32Array(raw.sampleStack.length);
  const thread = domain();
  if (thread !== 0) sampleDomain.fill(thread);
  const { stackTotals, ...columns } = raw;
  const table = { ...columns, sampleDomain };
  const snapshot = new Snapshot(table, {
    tracebackLimit: settings.frames,
    interval: settings.interval,
    timestamp,
    session: settings.session,
    view,
    inlining,
  });
  snapshot.adoptStackTotals(stackTotals);
  return sourceMaps ? applySourceMaps(snapshot, { compiled: true }) : snapshot;
}

/** Bytes of a table, as the binding's TotalSize() adds them: its per-stack sums, slot by slot. */
function total(table: NativeTable): number {
  const sizes = table.stackTotals.size;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) bytes += sizes[i];
  return bytes;
}

function viewOption(value: unknown): SnapshotView {
  if (isSnapshotView(value)) return value;
  throw argError(
    'ERR_OUT_OF_RANGE',
    `view must be one of ${SNAPSHOT_VIEWS.map((v) => `'${v}'`).join(', ')}, received ${check.describe(value)}`,
  );
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
  const kept = currentSession();
  const peakGrowth = heap === null ? 0 : heap.peak - kept.heapBase;
  // The heap's growth can trail the traced bytes (a GC meanwhile freed garbage
  // that was there at start), so the peak also keeps every `current` reported.
  kept.highestCurrent = Math.max(kept.highestCurrent, current);
  return { current, peak: Math.max(kept.highestCurrent, peakGrowth) };
}

/** Starts the peak of {@link getTracedMemory} afresh from the heap in use now. */
export function resetPeak(): void {
  binding().resetPeak();
  if (session !== undefined) session.highestCurrent = 0;
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
 * or when not tracing: what /debug/pprof/allocs needs (lib/faces/http/pprof-handler.ts).
 */
export function tracesCollected(): boolean {
  return binding().settings()?.includeCollected === true;
}
