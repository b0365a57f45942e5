// The one typed door to the compiled addon: nothing else imports the binary,
// so the model, dumps and exports work where the addon was never built.
import { PACKAGE_ROOT } from '../helpers/own-files';
import load = require('node-gyp-build');
import { TracemallocError } from '../helpers/errors';
import type { SlotSums } from '../model/slot-sums';
import type { ProfileTable } from '../model/table';

/**
 * Columns as the binding returns them (see native/profile_table.h); the
 * domain is added in TS. `stackTotals`: the per-stack sums of the samples,
 * made as the table was built (Snapshot.adoptStackTotals).
 */
export type NativeTable = Omit<ProfileTable, 'sampleDomain'> & { stackTotals: SlotSums };

export interface NativeSettings {
  interval: number;
  /** The traceback limit; V8 records a few frames more, for builtins (native/sampler.h). */
  frames: number;
  includeCollected: boolean;
  /** This run of the sampler: a random integer in [1, 2^53), new on every start. */
  session: number;
}

export interface NativeHeapCounters {
  /** used_heap_size now. */
  used: number;
  /** Highest used_heap_size seen at a GC prologue or a read since the last resetPeak(). */
  peak: number;
  /** Bytes allocated since the binding loaded: heap growth + bytes freed by each GC; never decreases. */
  allocated: number;
  /** Collections since the binding loaded. */
  gcCount: number;
}

/** Census rows as the binding returns them (see native/heap_census.h). */
export interface NativeCensus {
  strings: string[];
  /** Per row: index into strings of the V8 node type ("object", "closure", ...). */
  rowType: Uint32Array;
  /** Per row: index into strings of the constructor, function or native name, or the type again. */
  rowName: Uint32Array;
  rowCount: Float64Array;
  rowSize: Float64Array;
  /** V8's synthetic grouping nodes ("(GC roots)", ...), left out of the rows. */
  syntheticCount: number;
  syntheticSize: number;
  /** Every node of the snapshot, synthetic ones included. */
  nodes: number;
}

/** The last peak capture (see native/peak_capture.h). */
export interface NativePeak {
  table: NativeTable;
  /** The heap measure of native/peak_capture.h (bytes) when the kept table was taken. */
  heap: number;
  /** Milliseconds since the epoch when it was taken. */
  timestamp: number;
  /** Tables kept since arming, each larger than the one before; only the last is held. */
  captures: number;
}

export interface NativeBinding {
  readonly abi: number;
  /** Whether V8 marks each sample live or collected (Node 26+). */
  readonly samplesSayLive: boolean;
  start(interval: number, frames: number, includeCollected: boolean): void;
  stop(): void;
  isTracing(): boolean;
  settings(): NativeSettings | null;
  /** `liveOnly`: only samples V8 marks live (needs samplesSayLive). */
  snapshot(ownPrefixes: readonly string[], liveOnly?: boolean): NativeTable;
  /** Totals of what snapshot() would return, without building its columns. */
  tracedTotals(ownPrefixes: readonly string[]): { size: number; count: number };
  profileSize(): { samples: number; nodes: number };
  collectGarbage(): void;
  heapCounters(): NativeHeapCounters | null;
  resetPeak(): void;
  countObjects(): NativeCensus;
  /** Captures the traces each time the heap after a GC passes the last capture by `margin` (and the heap now by `minGrowth` bytes). */
  armPeak(ownPrefixes: readonly string[], margin: number, minGrowth: number): void;
  disarmPeak(): void;
  /** Looks now, whatever the heap: keeps the table if it traces more than the kept one. */
  capturePeak(): void;
  /** The kept capture when it traces more than `largerThan` bytes, else null. */
  peakSnapshot(largerThan: number): NativePeak | null;
  /** Writes a dump to `path` and its top lines to `path`.txt when the heap nears its limit, once (native/heap_limit_dump.h); `inlining`: 0 unknown, 1 on, 2 off. */
  armHeapLimitDump(ownPrefixes: readonly string[], path: string, domain: number, inlining: number): void;
  disarmHeapLimitDump(): void;
}

let binding: NativeBinding | undefined;

/**
 * Loads the addon once (prebuilds/ first, then build/), checking that it was
 * built for the running Node's ABI.
 * @throws {TracemallocError} ERR_TRACEMALLOC_NO_BINARY or ERR_TRACEMALLOC_ABI_MISMATCH
 */
export function native(): NativeBinding {
  if (binding !== undefined) return binding;
  let loaded: NativeBinding;
  try {
    loaded = load(PACKAGE_ROOT) as NativeBinding;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_TRACEMALLOC_ABI_MISMATCH') {
      throw new TracemallocError('ERR_TRACEMALLOC_ABI_MISMATCH', (error as Error).message, { cause: error });
    }
    throw new TracemallocError(
      'ERR_TRACEMALLOC_NO_BINARY',
      `node-tracemalloc's native addon could not be loaded (${(error as Error).message}). ` +
        'Tracing needs it; run `npm rebuild node-tracemalloc` (needs python3, make and a C++ compiler). ' +
        'Snapshots loaded from dumps, reports and exports work without it.',
      { cause: error },
    );
  }
  // The binding checks this itself before registering anything; checked again
  // here for a binary from another build of the package.
  if (loaded.abi !== Number(process.versions.modules)) {
    throw new TracemallocError(
      'ERR_TRACEMALLOC_ABI_MISMATCH',
      `node-tracemalloc was built for Node ABI ${loaded.abi} but this Node (${process.version}) ` +
        `runs ABI ${process.versions.modules}: rebuild it (npm rebuild node-tracemalloc)`,
    );
  }
  binding = loaded;
  return loaded;
}
