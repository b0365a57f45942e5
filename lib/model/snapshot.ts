import { attributeStacks, type StackAttribution } from './attribution';
import { argError } from '../helpers/errors';
import { dumpContents, loadContents, type DumpOptions } from './dump/codec';
import { filterTable, type BaseFilter } from './filter';
import { Frame } from './frame';
import { parentsFirst } from './stack-walk';
import { slotSums, sumBySlot, summingLoopIsHot, type SlotSums } from './slot-sums';
import { compareSnapshots, statisticsOf, type KeyType, type Statistic, type StatisticDiff } from './statistics';
import { TableBuilder, type FrameData, type ProfileTable } from './table';
import { Trace } from './trace';
import { Traceback } from './traceback';
import * as check from '../helpers/validate';

import { MAX_FRAMES, NO_STACK } from '../helpers/constants';

export { NO_STACK };

export { SNAPSHOT_VIEWS, type SnapshotView } from './views';
import type { SnapshotView } from './views';

/** What a snapshot's numbers are, beside the table itself. */
export interface SnapshotInfo {
  /** Frames kept per traceback (`start(frames)`). */
  tracebackLimit: number;
  /** Sampling interval in bytes; 1 means every allocation was recorded. */
  interval: number;
  /** Milliseconds since the epoch when the snapshot was taken (0 unknown). */
  timestamp?: number;
  /** Which traces it holds (default `'live'`). */
  view?: SnapshotView;
  /**
   * Whether V8 inlined functions while tracing (their allocations are then
   * charged to their callers); undefined when unknown (older dumps, fromTraces).
   */
  inlining?: boolean;
  /**
   * The tracing session (one start() of V8's sampler) the samples come from;
   * 0 unknown. Two snapshots of one session share the samples of objects
   * alive in both, which cancel out of a difference and of its error bars.
   */
  session?: number;
}

/** A trace as plain data, for {@link Snapshot.fromTraces}. */
export interface TraceData {
  /** Thread id (0 the main thread). */
  domain: number;
  /** Bytes. */
  size: number;
  /** Objects; 1 when omitted. */
  count?: number;
  /** Most recent first, as in a JS stack trace. */
  frames: readonly FrameData[];
}

/**
 * The traces at one moment: what `takeSnapshot()` returns and `Snapshot.load`
 * reads. Pure data over interned columns ({@link ProfileTable}): objects are
 * made only for what you look at, and nothing here needs the native addon.
 */
export class Snapshot {
  /** The interned columns; read-only by contract (exports and dumps walk them). */
  readonly table: ProfileTable;
  /** Frames kept per traceback (`start(frames)`). */
  readonly tracebackLimit: number;
  /** Sampling interval in bytes; 1 means every allocation was recorded. */
  readonly interval: number;
  /** True when every allocation was recorded (interval 1): sizes and counts are exact, not estimates. */
  readonly exact: boolean;
  /** Milliseconds since the epoch when the snapshot was taken (0 unknown). */
  readonly timestamp: number;
  /** Which traces it holds: see {@link SnapshotView}. */
  readonly view: SnapshotView;
  /** Whether V8 inlined functions while tracing; undefined when unknown. */
  readonly inlining: boolean | undefined;
  /** The tracing session the samples come from (see {@link SnapshotInfo.session}); 0 unknown. */
  readonly session: number;

  private readonly frameCache: (Frame | undefined)[];
  /** Per stack row; the last slot for traces with no stack row. */
  private readonly tracebackCache: (Traceback | undefined)[];
  private attributionCache: StackAttribution | undefined;
  private totalsCache: { size: number; count: number } | undefined;
  private stackTotalsCache: SlotSums | undefined;

  constructor(table: ProfileTable, info: SnapshotInfo) {
    this.table = table;
    this.tracebackLimit = info.tracebackLimit;
    this.interval = info.interval;
    this.exact = info.interval === 1;
    this.timestamp = info.timestamp ?? 0;
    this.view = info.view ?? 'live';
    this.inlining = info.inlining;
    this.session = info.session ?? 0;
    this.frameCache = new Array<Frame | undefined>(table.frameName.length);
    this.tracebackCache = new Array<Traceback | undefined>(table.stackFrame.length + 1);
  }

  /**
   * Builds a snapshot from plain data, for tests and for tools that import
   * profiles from elsewhere.
   *
   * @example
   * const snap = Snapshot.fromTraces([
   *   { domain: 0, size: 64, frames: [{ filename: 'app.js', lineno: 12, functionName: 'getData' }] },
   * ], 1);
   * @throws {TypeError} on a malformed trace
   */
  static fromTraces(traces: readonly TraceData[], tracebackLimit = 1, options?: { interval?: number }): Snapshot {
    const given: unknown = traces;
    if (!Array.isArray(given)) throw argError('ERR_INVALID_ARG_TYPE', 'Expected an array of traces');
    const opts = check.options(options, 'options', ['interval'] as const);
    const interval =
      opts.interval === undefined ? 1 : check.integerInRange(opts.interval, 'interval', 1, Number.MAX_SAFE_INTEGER);
    check.integerInRange(tracebackLimit, 'tracebackLimit', 0, MAX_FRAMES);
    const builder = new TableBuilder();
    traces.forEach((trace, i) => {
      const frames: unknown = (trace as { frames?: unknown } | null)?.frames;
      if (typeof trace !== 'object' || trace === null || !Array.isArray(frames)) {
        throw argError('ERR_INVALID_ARG_TYPE', `trace ${i}: expected { domain, size, count?, frames: [...] }`);
      }
      for (const frame of frames as unknown[]) {
        const { filename, lineno } = (frame ?? {}) as { filename?: unknown; lineno?: unknown };
        if (typeof filename !== 'string' || typeof lineno !== 'number') {
          throw argError('ERR_INVALID_ARG_TYPE', `trace ${i}: every frame needs a string filename and a number lineno`);
        }
      }
      if (typeof trace.size !== 'number' || typeof trace.domain !== 'number') {
        throw argError('ERR_INVALID_ARG_TYPE', `trace ${i}: size and domain must be numbers`);
      }
      const stack = trace.frames.length === 0 ? NO_STACK : builder.stack(trace.frames);
      builder.sample(stack, trace.size, trace.count ?? 1, trace.domain);
    });
    return new Snapshot(builder.build(), { tracebackLimit, interval });
  }

  /** Everything but the table, for a snapshot made from this one's. */
  get info(): SnapshotInfo {
    const { tracebackLimit, interval, timestamp, session, view, inlining } = this;
    return { tracebackLimit, interval, timestamp, session, view, inlining };
  }

  /** The traces, wrapped on access (indexable and iterable). */
  get traces(): TraceList {
    return new TraceList(this);
  }

  /** Total bytes of all traces (an estimate unless {@link exact}). */
  get totalSize(): number {
    return this.sampleTotals().size;
  }

  /** Total objects of all traces (an estimate unless {@link exact}). */
  get totalCount(): number {
    return this.sampleTotals().count;
  }

  // Summed once (the table is read-only), with an index loop: `for...of`
  // over a typed array allocates an iterator result per sample until V8
  // optimizes it, and V8 samples each one while tracing at interval 1.
  private sampleTotals(): { size: number; count: number } {
    if (this.totalsCache === undefined) {
      const { sampleSize, sampleCount } = this.table;
      let size = 0;
      let count = 0;
      for (let i = 0; i < sampleSize.length; i++) {
        size += sampleSize[i];
        count += sampleCount[i];
      }
      this.totalsCache = { size, count };
    }
    return this.totalsCache;
  }

  /**
   * Bytes and objects per stack row (the last slot: traces with no stack
   * row), summed once: the one per-sample pass of statistics() and compareTo().
   * @internal
   */
  stackTotals(): SlotSums {
    if (this.stackTotalsCache === undefined) {
      const t = this.table;
      this.stackTotalsCache = slotSums(t.stackFrame.length + 1);
      sumBySlot(t.sampleStack, t.sampleSize, t.sampleCount, this.stackTotalsCache);
    }
    return this.stackTotalsCache;
  }

  /**
   * Takes per-stack sums made elsewhere from this table's samples, by the same
   * additions in the same order as {@link stackTotals} (the binding sums them
   * while building the table: native/profile_table.h), so that statistics()
   * makes no pass over every sample. Left, and summed here as usual, until
   * the summing loop is hot in this process (see summingLoopIsHot), or if
   * their shape is not this table's.
   * @internal
   */
  adoptStackTotals(sums: SlotSums): void {
    if (!summingLoopIsHot()) return;
    const slots = this.table.stackFrame.length + 1;
    if (sums.size.length !== slots || sums.count.length !== slots || sums.used.length !== slots) return;
    this.stackTotalsCache ??= sums;
  }

  /** The frame of a frame row, made once and shared. */
  frame(row: number): Frame {
    let frame = this.frameCache[row];
    if (frame === undefined) {
      const t = this.table;
      const file = t.strings[t.frameFile[row]];
      const name = t.strings[t.frameName[row]];
      frame = Frame.fromV8(file, name, t.frameLine[row], t.frameColumn[row], t.frameScriptId[row]);
      this.frameCache[row] = frame;
    }
    return frame;
  }

  /**
   * Where each stack row's traces are charged (its nearest frame with a
   * script, past builtins), computed once.
   * @internal
   */
  attribution(): StackAttribution {
    this.attributionCache ??= attributeStacks(this.table);
    return this.attributionCache;
  }

  /**
   * The traceback of a stack row (oldest frame first), made once and shared.
   * Each shares its caller's traceback (`Traceback.extend`): O(1)
   * memory per stack row whatever the depth. The first call makes every
   * row's, in one forward pass (lib/model/stack-walk.ts).
   */
  traceback(stack: number): Traceback {
    const n = this.table.stackFrame.length;
    const slot = stack >= 0 && stack < n ? stack : n;
    const cache = this.tracebackCache;
    if (cache[slot] === undefined) {
      const { stackFrame, stackParent } = this.table;
      parentsFirst(stackParent, (row, p) => {
        cache[row] = Traceback.extend(p >= 0 ? cache[p] : undefined, this.frame(stackFrame[row]));
      });
      cache[n] = new Traceback([]);
    }
    return cache[slot] as Traceback;
  }

  /**
   * Statistics of the traces grouped by `keyType`, largest first: sorted
   * descending by (size, count, key) as in Python. `cumulative` counts a
   * trace under every frame of its traceback, not only the most recent one
   * (every frame, a recurring one once per occurrence, as CPython counts),
   * for `filename`, `lineno` and `function`.
   *
   * Cost: one pass over the sample columns plus one key per frame row and
   * stack row, whatever the depth of the stacks (65,535-frame stacks
   * included); objects are made per distinct key only, never per sample, and
   * the tracebacks of `traceback` keys share their common callers.
   *
   * @example
   * for (const stat of snapshot.statistics('lineno').slice(0, 10)) console.log(String(stat));
   * @throws {RangeError} an unknown `keyType`, or `cumulative` with `traceback` (`ERR_INVALID_ARG_VALUE`)
   * @throws {TypeError} `keyType` not a string or `cumulative` not a boolean (`ERR_INVALID_ARG_TYPE`)
   */
  statistics(keyType: KeyType, cumulative: boolean = false): Statistic[] {
    return statisticsOf(this, keyType, cumulative);
  }

  /**
   * Differences from `old`, grouped by `keyType` (Python's `compare_to`):
   * one {@link StatisticDiff} per key of either snapshot (keys only in `old`
   * have size and count 0), sorted descending by (|sizeDiff|, size,
   * |countDiff|, count, key). Costs two {@link statistics} groupings.
   *
   * @example
   * const before = tracemalloc.takeSnapshot();
   * work();
   * for (const diff of tracemalloc.takeSnapshot().compareTo(before, 'lineno').slice(0, 10)) console.log(String(diff));
   * @throws {TypeError} `old` is not a Snapshot; see {@link statistics} for the rest
   */
  compareTo(old: Snapshot, keyType: KeyType, cumulative: boolean = false): StatisticDiff[] {
    if (!(old instanceof Snapshot)) {
      throw argError('ERR_INVALID_ARG_TYPE', 'Expected a Snapshot for old');
    }
    return compareSnapshots(this, old, keyType, cumulative);
  }

  /**
   * A new snapshot of the traces that pass `filters` (Python's
   * `filter_traces`): a trace is kept when it matches at least one inclusive
   * filter (or there are none) and no exclusive filter rejects it. An empty
   * list copies the traces. The new snapshot shares this one's frames and
   * stacks; the traces are copied.
   *
   * @example
   * const mine = snapshot.filterTraces([new Filter(false, 'node:*'), new Filter(false, '<unknown>')]);
   * @throws {TypeError} `filters` is not an iterable of filters (`ERR_INVALID_ARG_TYPE`)
   */
  filterTraces(filters: Iterable<BaseFilter>): Snapshot {
    return new Snapshot(filterTable(this, filters), this.info);
  }

  /**
   * Writes this snapshot to `file` (by convention `*.ntm`), atomically; see
   * `dumpSnapshot`. Lossless: {@link Snapshot.load} gives it back exactly.
   *
   * @example
   * tracemalloc.takeSnapshot({ gc: false }).dump(`/var/tmp/heap-${process.pid}.ntm`);
   * @throws {Error} Node's own I/O errors (`ENOENT`, `EACCES`, `ENOSPC`, ...)
   */
  dump(file: string | URL, options?: DumpOptions): void {
    dumpContents(this, file, options);
  }

  /**
   * Reads a snapshot written by {@link Snapshot.dump}. Needs no native addon.
   *
   * @example
   * const snapshot = Snapshot.load('heap.ntm');
   * @throws {DumpFormatError} `not-a-dump`, `future-version`, `truncated` or `corrupt`
   * @throws {Error} Node's own I/O errors (`ENOENT`, `EACCES`, `EISDIR`, ...)
   */
  static load(file: string | URL): Snapshot {
    const { table, info } = loadContents(file);
    return new Snapshot(table, info);
  }

  /** The trace of a sample row. */
  trace(row: number): Trace {
    const t = this.table;
    return new Trace(t.sampleDomain[row], t.sampleSize[row], t.sampleCount[row], this.traceback(t.sampleStack[row]));
  }
}

/** A snapshot's traces, made into {@link Trace} objects only when read. */
export class TraceList implements Iterable<Trace> {
  constructor(private readonly snapshot: Snapshot) {}

  /** How many traces. */
  get length(): number {
    return this.snapshot.table.sampleStack.length;
  }

  /** Trace at `index`; negative indexes count from the end. */
  at(index: number): Trace | undefined {
    const i = index < 0 ? this.length + index : index;
    return i >= 0 && i < this.length ? this.snapshot.trace(i) : undefined;
  }

  /** The traces in table order, each made when reached. */
  *[Symbol.iterator](): Iterator<Trace> {
    for (let i = 0; i < this.length; i++) yield this.snapshot.trace(i);
  }
}
