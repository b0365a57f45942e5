// A plain JSON view of a snapshot, for scripts (jq, Python, dashboards): the
// shape is versioned and documented here, and only grows by new fields.
import { interval95 } from '../../model/intervals';
import type { Snapshot } from '../../model/snapshot';
import type { ProfileTable } from '../../model/table';
import { count, MAX_TEXT_LENGTH, outputTooLarge, pathWidths, PER_TRACE_ADVICE } from './output-limit';
import { groupByStack, snapshotArgument } from './tree';

/** `format` of {@link SnapshotJson}: tells the file apart from any other JSON. */
export const SNAPSHOT_JSON_FORMAT = 'node-tracemalloc-snapshot';
/**
 * `version` of {@link SnapshotJson}. Raised only when a field changes
 * meaning or goes away; new fields may appear within a version.
 */
export const SNAPSHOT_JSON_VERSION = 1;

/** A frame, as `Frame` has it. */
export interface FrameJson {
  /** Script path (ES module URLs turned into paths), a pseudo frame's name (`(V8 API)`), or `<unknown>`. */
  filename: string;
  /** 1-based line **where the function starts** (V8 records no other); 0 when unknown. */
  lineno: number;
  /** 1-based column where the function starts; 0 when unknown. */
  column: number;
  /** `(anonymous)` for anonymous functions. */
  functionName: string;
  /** A frame without a script: a builtin such as `split` (filename `<unknown>`), left as the leaf it is. */
  builtin: boolean;
}

/** The traces of one call stack in one domain, summed. */
export interface TraceJson {
  /** Thread id: 0 for the main thread, `worker_threads.threadId` in a worker. */
  domain: number;
  /** Bytes; a fractional estimate when `info.exact` is false. */
  size: number;
  /** Objects; a fractional estimate when `info.exact` is false. */
  count: number;
  /** How many of V8's samples were summed here. */
  samples: number;
  /** 95% confidence intervals of `size` and `count`, `[low, high]` (docs/error-bars.md); the values when exact. */
  sizeRange: [number, number];
  /** The same for `count`. */
  countRange: [number, number];
  /**
   * **Most recent first** (the allocating function, then its callers), as in
   * a JS stack trace; empty when none was recorded.
   */
  frames: FrameJson[];
}

/**
 * A snapshot as JSON (`tracemalloc export --format json`). Traces are
 * grouped by (call stack, domain) and sorted by size, largest first. The
 * `traces` feed `Snapshot.fromTraces` as they are:
 * `Snapshot.fromTraces(json.traces, json.info.tracebackLimit, { interval: json.info.interval })`.
 */
export interface SnapshotJson {
  /** {@link SNAPSHOT_JSON_FORMAT}: what the file is. */
  format: typeof SNAPSHOT_JSON_FORMAT;
  /** {@link SNAPSHOT_JSON_VERSION}: which layout. */
  version: typeof SNAPSHOT_JSON_VERSION;
  /** The snapshot's numbers. */
  info: {
    /** True when every allocation was recorded: sizes and counts are exact. */
    exact: boolean;
    /** Sampling interval in bytes (1 when exact). */
    interval: number;
    /** Frames kept per traceback. */
    tracebackLimit: number;
    /** Milliseconds since the epoch when the snapshot was taken; 0 when unknown. */
    timestamp: number;
    /** Sum of the traces' sizes, in bytes. */
    totalSize: number;
    /** Sum of the traces' counts. */
    totalCount: number;
    /** Which traces: `live`, `allocated` (collected objects included) or `peak`. */
    view: 'live' | 'allocated' | 'peak';
    /** Whether V8 inlined while tracing (inlined functions charged to their callers); null when unknown. */
    inlining: boolean | null;
  };
  /** The traces, grouped by traceback. */
  traces: TraceJson[];
}

/**
 * The {@link SnapshotJson} of a snapshot: plain objects, ready for
 * `JSON.stringify`. Sizes and counts are not rounded.
 *
 * @example
 * const json = toSnapshotJson(snapshot);
 * for (const t of json.traces.slice(0, 3)) console.log(t.size, t.frames[0]?.functionName);
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 * @throws {TracemallocError} `ERR_TRACEMALLOC_OUTPUT_TOO_LARGE` when its text would be longer than a
 *   string can be (the traces list their frames in full: deep stacks, many of them), checked first
 */
export function toSnapshotJson(snapshot: Snapshot): SnapshotJson {
  const t = snapshotArgument(snapshot).table;
  const groups = groupByStack(snapshot);
  // Frame objects once per frame row; a trace's frame list shares them.
  const frames = new Map<number, FrameJson>();
  const frameJson = (row: number): FrameJson => {
    let json = frames.get(row);
    if (json === undefined) {
      const { filename, lineno, column, functionName, builtin } = snapshot.frame(row);
      json = { filename, lineno, column, functionName, builtin };
      frames.set(row, json);
    }
    return json;
  };
  checkJsonLength(t, groups.stack, frameJson);
  const traces: TraceJson[] = [];
  for (let g = 0; g < groups.stack.length; g++) {
    const list: FrameJson[] = [];
    for (let s = groups.stack[g]; s >= 0; s = t.stackParent[s]) list.push(frameJson(t.stackFrame[s]));
    const size = { value: groups.size[g], variance: groups.sizeVariance[g], floor: groups.sampledSize[g] };
    const count = { value: groups.count[g], variance: groups.countVariance[g], floor: groups.samples[g] };
    traces.push({
      domain: groups.domain[g],
      size: groups.size[g],
      count: groups.count[g],
      samples: groups.samples[g],
      sizeRange: interval95(size),
      countRange: interval95(count),
      frames: list,
    });
  }
  // Largest first; Array.prototype.sort is stable, so ties keep first-seen order.
  traces.sort((a, b) => b.size - a.size || b.count - a.count);
  return {
    format: SNAPSHOT_JSON_FORMAT,
    version: SNAPSHOT_JSON_VERSION,
    info: {
      exact: snapshot.exact,
      interval: snapshot.interval,
      tracebackLimit: snapshot.tracebackLimit,
      timestamp: snapshot.timestamp,
      totalSize: snapshot.totalSize,
      totalCount: snapshot.totalCount,
      view: snapshot.view,
      inlining: snapshot.inlining ?? null,
    },
    traces,
  };
}

/** Characters of a trace's line besides its frames: the keys, four numbers, brackets, `,\n`. At most. */
const TRACE_OVERHEAD = 160;

/**
 * Refuses a snapshot whose JSON would not fit in a string: each trace lists
 * its frames in full, so the text grows with the sum of the traces' depths,
 * which deep stacks sharing callers make quadratic in the table. Computed in
 * O(frames + stacks + traces) before anything is built.
 */
function checkJsonLength(t: ProfileTable, groupStacks: readonly number[], frameJson: (row: number) => FrameJson): void {
  const frameText = new Float64Array(t.frameName.length).fill(-1);
  const { depth, width } = pathWidths(t, (row) => {
    if (frameText[row] < 0) frameText[row] = JSON.stringify(frameJson(row)).length + 1;
    return frameText[row];
  });
  let length = 400;
  let frames = 0;
  for (const stack of groupStacks) {
    length += TRACE_OVERHEAD + (stack >= 0 ? width[stack] : 0);
    frames += stack >= 0 ? depth[stack] : 0;
  }
  if (length > MAX_TEXT_LENGTH) {
    const what = `about ${count(length)} characters, more than a JS string holds (${count(MAX_TEXT_LENGTH)}): its ${count(groupStacks.length)} traces list ${count(frames)} frames in all`;
    throw outputTooLarge('JSON export', what, PER_TRACE_ADVICE);
  }
}

/**
 * {@link toSnapshotJson} as text: one trace per line, so the file reads,
 * greps and diffs well and stays compact. `JSON.parse` gives the object back.
 *
 * @example
 * fs.writeFileSync('heap.json', encodeSnapshotJson(snapshot));
 * // jq '.traces[0].frames[0]' heap.json
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 * @throws {TracemallocError} `ERR_TRACEMALLOC_OUTPUT_TOO_LARGE`, see {@link toSnapshotJson}
 */
export function encodeSnapshotJson(snapshot: Snapshot): string {
  const { traces, ...head } = toSnapshotJson(snapshot);
  const lines = traces.map((trace) => JSON.stringify(trace));
  const body = lines.length > 0 ? `[\n${lines.join(',\n')}\n]` : '[]';
  return `${JSON.stringify(head).slice(0, -1)},"traces":${body}}\n`;
}
