// Object census: how many objects of each kind the JS heap holds now, Node's
// answer to Python's `len(gc.get_objects())` with a breakdown by type.
//
// The counting is native (native/heap_census.h): V8 takes a heap snapshot,
// C++ walks it and keeps one row per (node type, name), and only those rows
// reach JS, as typed columns. This module builds one small object per row.
import { escapeControlChars } from '../helpers/control-chars';
import { rethrowNative, argError } from '../helpers/errors';
import { formatCount, formatSize } from '../helpers/format';
import { native } from './native';
import * as check from '../helpers/validate';

/** Options of {@link countObjects}. */
export interface CensusOptions {
  /**
   * Collect garbage first (default `true`), with a full collection of our
   * own. V8 already collects all available garbage when it takes the heap
   * snapshot the census is counted from, so on Node 20 `false` only saves
   * that extra collection (about 10% of the census time, measured) and
   * still shows no garbage. Objects a `WeakRef` touched in the current job stay alive
   * either way, as the spec requires.
   */
  gc?: boolean;
}

/** One kind of heap node and how many of it the heap holds. */
export interface CensusEntry {
  /**
   * For `object`s the constructor name, as V8 reports it (`'MyObject'`,
   * `'Array'`, `'Object'`, `'system / Context'` for closure scopes); for
   * `closure`s the function name (`'(anonymous)'` when it has none,
   * `'native_bind'` for bound functions); for `native`s V8's or Node's name
   * (`'system / JSArrayBufferData'`: ArrayBuffer contents); otherwise the
   * node type again (`'string'`, `'code'`, ...).
   */
  readonly name: string;
  /**
   * V8's heap snapshot node type: `'object'`, `'closure'`, `'native'`,
   * `'string'`, `'concatenated string'`, `'sliced string'`, `'code'`,
   * `'array'` (V8's internal arrays: a JS Array is an `object` named
   * `'Array'`), `'hidden'`, `'number'`, `'regexp'`, `'symbol'`, `'bigint'`,
   * `'object shape'`.
   */
  readonly type: string;
  /** Number of nodes. */
  readonly count: number;
  /** Sum of their shallow sizes, in bytes (an object's own fields, not what it references). */
  readonly size: number;
}

/** Result of {@link countObjects}. */
export interface Census {
  /** Nodes counted: every entry's count summed. */
  readonly total: number;
  /** Bytes counted: every entry's size summed. */
  readonly totalSize: number;
  /** One entry per (type, name), largest `size` first. */
  readonly byType: CensusEntry[];
  /**
   * V8's synthetic nodes (`'(GC roots)'`, `'(Strong roots)'`, ..., and
   * Node's `'Node / Environment'` root), which group the heap graph rather
   * than being objects: left out of `total`, `totalSize` and `byType`.
   */
  readonly synthetic: {
    /** How many synthetic nodes. */
    readonly count: number;
    /** Their self size, bytes. */
    readonly size: number;
  };
}

/** One entry of {@link diffCensus}: the newer census' figures and the change since the older. */
export interface CensusDiffEntry extends CensusEntry {
  /** `count` in the newer census minus the older's (0 when absent). */
  readonly countDiff: number;
  /** `size` in the newer census minus the older's (0 when absent). */
  readonly sizeDiff: number;
}

// Rows are instances of these classes rather than object literals so that a
// census kept alive shows up in the next one under its own name
// ("CensusRow: count=2724"), not as thousands of extra "Object"s.
class CensusRow implements CensusEntry {
  constructor(
    readonly name: string,
    readonly type: string,
    readonly count: number,
    readonly size: number,
  ) {}
}

class CensusDiffRow implements CensusDiffEntry {
  constructor(
    readonly name: string,
    readonly type: string,
    readonly count: number,
    readonly size: number,
    readonly countDiff: number,
    readonly sizeDiff: number,
  ) {}
}

/**
 * Counts the objects on this thread's JS heap, by constructor name (and by
 * V8 node type for what is not a JS object): Python's
 * `len(gc.get_objects())`, with a breakdown.
 *
 * Works with or without tracing, in the main thread or a worker (each counts
 * its own isolate). A debugging tool, not for hot paths: V8 builds a whole
 * heap snapshot and blocks the thread meanwhile. Measured (Node 20, 2 cores):
 * 0.5 s for 100k live objects and 4–5 s for 1M, with about 1.3 KB of
 * transient memory per heap object (+1.4 GB at 1M), returned to the OS
 * afterwards. What lasts: from the first census on, V8 keeps an id for every
 * object and records object moves in every GC, as after any heap snapshot
 * (`v8.writeHeapSnapshot()`, DevTools): young-object churn ran about 1.5×
 * slower afterwards.
 *
 * On V8 before 12 (Node 20, 21) it first enables and disables the debugger
 * in a private inspector session (about 0.1 s), so that V8 caches every
 * script's line ends: without that, V8 rescans a script for each function's
 * line, and a census with TypeScript's compiler loaded took 22 s, not 0.7–0.9 s.
 *
 * Sizes are shallow, and include what V8 and Node report for `native` nodes
 * (ArrayBuffer contents, Node's C++ objects), which live outside the JS heap:
 * `totalSize` can exceed `process.memoryUsage().heapUsed`. Counts cover every
 * node of the snapshot but V8's synthetic roots, which is more than Python's
 * `gc.get_objects()` (only containers): strings, code, hidden classes too.
 *
 * @example
 * const before = countObjects();
 * const kept = [];
 * for (let i = 0; i < 10000; i++) kept.push(new MyObject(i));
 * const after = countObjects();
 * for (const line of formatCensusDiff(diffCensus(before, after), 3)) console.log(line);
 * // MyObject: count=10000 (+10000), size=391 KiB (+391 KiB)
 * // CensusRow: count=2726 (+2726), size=149 KiB (+149 KiB)    <- `before` itself
 * // (array): count=1314 (+2), size=846 KiB (+99.6 KiB)
 * @throws {TypeError} a bad option, an unknown option
 * @throws {TracemallocError} `ERR_TRACEMALLOC_CENSUS_BUSY` when called from inside a
 *   census (a GC callback); `ERR_TRACEMALLOC_NO_BINARY` without the addon
 */
export function countObjects(options?: CensusOptions): Census {
  const opts = check.options(options, 'options', ['gc'] as const);
  const gc = opts.gc === undefined ? true : check.boolean(opts.gc, 'gc');
  const b = native();
  if (gc) b.collectGarbage();
  cacheLineEnds();
  let raw;
  try {
    raw = b.countObjects();
  } catch (error) {
    rethrowNative(error);
  }
  const byType = new Array<CensusEntry>(raw.rowType.length);
  let total = 0;
  let totalSize = 0;
  for (let i = 0; i < byType.length; i++) {
    const count = raw.rowCount[i];
    const size = raw.rowSize[i];
    byType[i] = new CensusRow(raw.strings[raw.rowName[i]], raw.strings[raw.rowType[i]], count, size);
    total += count;
    totalSize += size;
  }
  byType.sort(bySizeThenCount);
  return { total, totalSize, byType, synthetic: { count: raw.syntheticCount, size: raw.syntheticSize } };
}

/**
 * What changed between two censuses: one entry per (type, name) present in
 * either, with the newer figures and the differences, largest absolute
 * `sizeDiff` first (then `size`, absolute `countDiff`, `count`), as Python's
 * `Snapshot.compare_to` orders them.
 *
 * @example
 * const diff = diffCensus(before, countObjects());
 * diff.find((e) => e.name === 'MyObject')?.countDiff // 10000
 * @throws {TypeError} when either argument is not a census
 */
export function diffCensus(older: Census, newer: Census): CensusDiffEntry[] {
  const olderEntries = entriesOf(older, 'older');
  const newerEntries = entriesOf(newer, 'newer');
  const before = new Map<string, CensusEntry>();
  for (const entry of olderEntries) before.set(keyOf(entry), entry);
  const diff: CensusDiffEntry[] = [];
  for (const entry of newerEntries) {
    const key = keyOf(entry);
    const old = before.get(key);
    before.delete(key);
    diff.push(
      new CensusDiffRow(
        entry.name,
        entry.type,
        entry.count,
        entry.size,
        entry.count - (old?.count ?? 0),
        entry.size - (old?.size ?? 0),
      ),
    );
  }
  for (const old of before.values()) {
    diff.push(new CensusDiffRow(old.name, old.type, 0, 0, -old.count, -old.size));
  }
  return diff.sort(
    (a, b) =>
      Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) ||
      b.size - a.size ||
      Math.abs(b.countDiff) - Math.abs(a.countDiff) ||
      b.count - a.count ||
      byLabel(a, b),
  );
}

/**
 * How an entry is shown: the name for an `object`, `'(string)'` when the
 * name is the type itself, else `'name (type)'` (`'onData (closure)'`).
 *
 * @example censusLabel({ name: 'code', type: 'code', count: 1, size: 8 }) // "(code)"
 */
export function censusLabel(entry: Pick<CensusEntry, 'name' | 'type'>): string {
  // Names are the program's (a computed class name can hold anything): escaped for a terminal.
  const name = escapeControlChars(entry.name);
  if (entry.type === 'object') return name;
  if (entry.name === entry.type) return `(${entry.type})`;
  return `${name} (${entry.type})`;
}

/**
 * The `limit` largest entries of a census, one line each, in Python
 * tracemalloc's style.
 *
 * @param limit lines at most (default 10)
 * @example
 * formatCensus(countObjects(), 3)
 * // [ 'Item: count=100000, size=3906 KiB',
 * //   '(code): count=15954, size=1603 KiB',
 * //   '(array): count=1367, size=1546 KiB' ]
 * @throws {TypeError} when `census` is not a census
 * @throws {RangeError} a limit that is not a non-negative integer
 */
export function formatCensus(census: Census, limit: number = 10): string[] {
  const entries = entriesOf(census, 'census');
  check.integerInRange(limit, 'limit', 0, Number.MAX_SAFE_INTEGER);
  return entries
    .slice(0, limit)
    .map((e) => `${censusLabel(e)}: count=${formatCount(e.count)}, size=${formatSize(e.size)}`);
}

/**
 * The `limit` first entries of a {@link diffCensus} result, one line each, in
 * Python tracemalloc's `StatisticDiff` style.
 *
 * @param limit lines at most (default 10)
 * @example
 * formatCensusDiff(diffCensus(before, after), 1)
 * // [ 'MyObject: count=10000 (+10000), size=391 KiB (+391 KiB)' ]
 * @throws {TypeError} when `diff` is not an array
 * @throws {RangeError} a limit that is not a non-negative integer
 */
export function formatCensusDiff(diff: readonly CensusDiffEntry[], limit: number = 10): string[] {
  const given: unknown = diff;
  if (!Array.isArray(given)) {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected an array of census diff entries for diff');
  }
  check.integerInRange(limit, 'limit', 0, Number.MAX_SAFE_INTEGER);
  return diff
    .slice(0, limit)
    .map(
      (e) =>
        `${censusLabel(e)}: count=${formatCount(e.count)} (${formatCount(e.countDiff, true)}), ` +
        `size=${formatSize(e.size)} (${formatSize(e.sizeDiff, true)})`,
    );
}

// V8 before 12 (Node 20 and 21) records each function's source line in a
// heap snapshot, and finds it by scanning the function's script from the
// start unless the script has cached its line ends (V8 fixed this in 2023,
// see v8.dev/blog/speeding-up-v8-heap-snapshots). With TypeScript's 9 MB
// compiler loaded, a census took 22 s instead of under 1 s; inside jest, many
// minutes. Enabling the debugger makes V8 cache the line ends of every script
// it knows (the inspector reports each script's line count), so we enable it
// and disable it again in our own session: about 0.1 s, synchronous, and
// harmless to other sessions. Scripts compiled later get theirs at the next
// census.
const V8_CACHES_LINE_ENDS = Number(process.versions.v8.split('.')[0]) >= 12;

function cacheLineEnds(): void {
  if (V8_CACHES_LINE_ENDS) return;
  let session: import('node:inspector').Session | undefined;
  try {
    // Required here: a Node built without the inspector throws on require.
    const { Session } = require('node:inspector') as typeof import('node:inspector');
    session = new Session();
    session.connect();
    session.post('Debugger.enable');
    session.post('Debugger.disable');
  } catch {
    // No inspector (a Node built without it): the census is only slower.
  } finally {
    session?.disconnect();
  }
}

function keyOf(entry: CensusEntry): string {
  return `${entry.type}\0${entry.name}`;
}

function byLabel(a: CensusEntry, b: CensusEntry): number {
  return a.type < b.type ? -1 : a.type > b.type ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function bySizeThenCount(a: CensusEntry, b: CensusEntry): number {
  return b.size - a.size || b.count - a.count || byLabel(a, b);
}

function entriesOf(census: Census, name: string): CensusEntry[] {
  const entries = (census as { byType?: unknown } | null | undefined)?.byType;
  if (typeof census !== 'object' || census === null || !Array.isArray(entries)) {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a census (from countObjects()) for ${name}`);
  }
  return entries as CensusEntry[];
}
