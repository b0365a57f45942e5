// Python's Snapshot.statistics() and compare_to() over the columnar
// ProfileTable: samples are summed per stack row in one pass over the typed
// arrays, keys are computed once per frame row / stack row, and objects are
// made only per distinct key (a JS object per sample is what made
// @datadog/pprof's heap.profile() 10-100x slower than a flat table).
import { Frame, UNKNOWN_FILENAME } from './frame';
import { formatCount, formatSize, roundForDisplay } from './format';
import type { Snapshot } from './snapshot';
import { stackTotals } from './stack-totals';
import { Traceback } from './traceback';

/**
 * How {@link Snapshot.statistics} groups traces, as in Python plus `function`:
 * - `filename`: the file of the most recent frame (line shown as 0);
 * - `lineno`: file and line of the most recent frame (the function's start line: V8 records no other);
 * - `function`: file, start line and function name, telling apart functions that start on one line;
 * - `traceback`: the whole traceback, as (file, line) pairs.
 */
export type KeyType = 'filename' | 'lineno' | 'traceback' | 'function';

const KEY_TYPES: readonly string[] = ['filename', 'lineno', 'traceback', 'function'];

function argError<E extends Error>(error: E, code: string): E {
  return Object.assign(error, { code });
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw argError(new TypeError(`Expected a number for ${name} but received ${typeof value}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (!Number.isFinite(value)) {
    throw argError(new RangeError(`Expected a finite number for ${name} but received ${value}`), 'ERR_OUT_OF_RANGE');
  }
  return value;
}

function checkTraceback(value: unknown): Traceback {
  if (!(value instanceof Traceback)) {
    throw argError(new TypeError('Expected a Traceback for traceback'), 'ERR_INVALID_ARG_TYPE');
  }
  return value;
}

/** Throws the errors Python's `_group_by` raises, typed and coded like Node's. */
function checkKeyType(keyType: unknown, cumulative: unknown): asserts keyType is KeyType {
  if (typeof keyType !== 'string') {
    const message = `Expected a string for keyType but received ${typeof keyType}`;
    throw argError(new TypeError(message), 'ERR_INVALID_ARG_TYPE');
  }
  if (typeof cumulative !== 'boolean') {
    throw argError(
      new TypeError(`Expected a boolean for cumulative but received ${typeof cumulative}`),
      'ERR_INVALID_ARG_TYPE',
    );
  }
  // RangeError: a value outside the set of allowed values (ECMAScript's meaning).
  if (!KEY_TYPES.includes(keyType)) {
    const expected = '"filename", "lineno", "traceback" or "function"';
    const message = `unknown keyType: ${JSON.stringify(keyType)} (expected ${expected})`;
    throw argError(new RangeError(message), 'ERR_INVALID_ARG_VALUE');
  }
  if (cumulative && keyType === 'traceback') {
    throw argError(
      new RangeError('cumulative mode cannot be used with key type "traceback"'),
      'ERR_INVALID_ARG_VALUE',
    );
  }
}

/**
 * Memory allocated at one key (file, line, function or traceback): the sum
 * of the traces grouped under it, as Python's `tracemalloc.Statistic`.
 * `size` and `count` are unbiased estimates, often fractional, when the
 * snapshot was sampled (`snapshot.exact === false`).
 *
 * @example
 * const stat = new Statistic(new Traceback([new Frame('app.js', 12)]), 5120, 80);
 * String(stat); // "app.js:12: size=5120 B, count=80, average=64 B"
 * @throws {TypeError} `traceback` is not a Traceback, or `size`/`count` not a number (`ERR_INVALID_ARG_TYPE`)
 * @throws {RangeError} `size` or `count` is NaN or infinite (`ERR_OUT_OF_RANGE`)
 */
export class Statistic {
  /** The key: one frame (oldest first when `traceback`); see {@link KeyType}. */
  readonly traceback: Traceback;
  /** Bytes. */
  readonly size: number;
  /** Objects (Python's "blocks"). */
  readonly count: number;

  constructor(traceback: Traceback, size: number, count: number) {
    this.traceback = checkTraceback(traceback);
    this.size = finite(size, 'size');
    this.count = finite(count, 'count');
  }

  /**
   * Python's `str(statistic)`, size and count rounded to integers first
   * (estimates are fractional); the average is shown when that count is not 0.
   */
  toString(): string {
    const size = roundForDisplay(this.size);
    const count = roundForDisplay(this.count);
    let text = `${String(this.traceback)}: size=${formatSize(size)}, count=${formatCount(count)}`;
    if (count !== 0) text += `, average=${formatSize(size / count)}`;
    return text;
  }
}

/**
 * The difference at one key between an old and a new snapshot, as Python's
 * `tracemalloc.StatisticDiff`: `size`/`count` are the new values (0 for a key
 * found only in the old snapshot), the diffs are new − old.
 *
 * @example
 * const diff = new StatisticDiff(new Traceback([new Frame('app.js', 12)]), 5120, 5120, 80, 80);
 * String(diff); // "app.js:12: size=5120 B (+5120 B), count=80 (+80), average=64 B"
 * @throws {TypeError} `traceback` is not a Traceback, or a value not a number (`ERR_INVALID_ARG_TYPE`)
 * @throws {RangeError} a value is NaN or infinite (`ERR_OUT_OF_RANGE`)
 */
export class StatisticDiff {
  readonly traceback: Traceback;
  /** Bytes in the new snapshot. */
  readonly size: number;
  /** New bytes − old bytes. */
  readonly sizeDiff: number;
  /** Objects in the new snapshot. */
  readonly count: number;
  /** New objects − old objects. */
  readonly countDiff: number;

  constructor(traceback: Traceback, size: number, sizeDiff: number, count: number, countDiff: number) {
    this.traceback = checkTraceback(traceback);
    this.size = finite(size, 'size');
    this.sizeDiff = finite(sizeDiff, 'sizeDiff');
    this.count = finite(count, 'count');
    this.countDiff = finite(countDiff, 'countDiff');
  }

  /** Python's `str(diff)` (`%+` signs on the diffs), values rounded to integers first. */
  toString(): string {
    const size = roundForDisplay(this.size);
    const count = roundForDisplay(this.count);
    let text =
      `${String(this.traceback)}: size=${formatSize(size)} (${formatSize(roundForDisplay(this.sizeDiff), true)}), ` +
      `count=${formatCount(count)} (${formatCount(this.countDiff, true)})`;
    if (count !== 0) text += `, average=${formatSize(size / count)}`;
    return text;
  }
}

// UTF-16 code units sort like code points except where a surrogate (half of
// an astral character) meets U+E000..U+FFFF: move surrogates above those.
function codePointOrder(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Compares strings by code point, as Python compares str. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrder(x) - codePointOrder(y);
  }
  return a.length - b.length;
}

/**
 * Python's traceback order: frames oldest first, each as a (filename,
 * lineno) tuple; then the function name, which only `function` keys can
 * differ by alone.
 */
export function compareTracebacks(a: Traceback, b: Traceback): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.at(i) as Frame;
    const y = b.at(i) as Frame;
    const order =
      compareStrings(x.filename, y.filename) || x.lineno - y.lineno || compareStrings(x.functionName, y.functionName);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Sorts like Python: descending by (size, count, traceback). */
export function sortStatistics(stats: Statistic[]): Statistic[] {
  return stats.sort((a, b) => b.size - a.size || b.count - a.count || compareTracebacks(b.traceback, a.traceback));
}

/** Sorts like Python: descending by (|sizeDiff|, size, |countDiff|, count, traceback). */
export function sortStatisticDiffs(diffs: StatisticDiff[]): StatisticDiff[] {
  return diffs.sort(
    (a, b) =>
      Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) ||
      b.size - a.size ||
      Math.abs(b.countDiff) - Math.abs(a.countDiff) ||
      b.count - a.count ||
      compareTracebacks(b.traceback, a.traceback),
  );
}

/**
 * One id per distinct single-frame key. Frames merged into one key (two
 * functions starting on one line, for `lineno`) keep the function name and
 * column only when they all agree ('' and 0 otherwise).
 */
class FrameKeys {
  private readonly ids = new Map<string, number>();
  /** Identity of each key across snapshots. */
  readonly text: string[] = [];
  private readonly filename: string[] = [];
  private readonly lineno: number[] = [];
  private readonly name: string[] = [];
  private readonly column: number[] = [];
  private readonly frames: (Frame | undefined)[] = [];

  constructor(private readonly keyType: 'filename' | 'lineno' | 'function') {}

  intern(frame: Frame): number {
    const byFile = this.keyType === 'filename';
    const lineno = byFile ? 0 : frame.lineno;
    // JSON: an exact, unambiguous identity whatever the filename holds.
    const text =
      this.keyType === 'function'
        ? JSON.stringify([frame.filename, lineno, frame.functionName])
        : JSON.stringify([frame.filename, lineno]);
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.text.length;
      this.ids.set(text, id);
      this.text.push(text);
      this.filename.push(frame.filename);
      this.lineno.push(lineno);
      this.name.push(byFile ? '' : frame.functionName);
      this.column.push(byFile ? 0 : frame.column);
    } else {
      if (this.name[id] !== frame.functionName) this.name[id] = '';
      if (this.column[id] !== frame.column) this.column[id] = 0;
    }
    return id;
  }

  frame(id: number): Frame {
    let frame = this.frames[id];
    if (frame === undefined) {
      frame = new Frame(this.filename[id], this.lineno[id], this.name[id], this.column[id]);
      this.frames[id] = frame;
    }
    return frame;
  }
}

/** One id per distinct traceback key: a trie of (parent key, frame key). */
class TracebackKeys {
  private readonly ids = new Map<number | string, number>();
  readonly parent: number[] = [];
  readonly frameKey: number[] = [];

  /** @param frameKeyBound more than any frame key: makes (parent, frame) one exact number */
  constructor(private readonly frameKeyBound: number) {}

  intern(parent: number, frameKey: number): number {
    const numeric = (parent + 2) * this.frameKeyBound;
    const key = numeric < Number.MAX_SAFE_INTEGER ? numeric + frameKey : `${parent},${frameKey}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.parent.length;
      this.ids.set(key, id);
      this.parent.push(parent);
      this.frameKey.push(frameKey);
    }
    return id;
  }
}

/** A key with its totals; `id` matches equal keys of two snapshots. */
interface Group {
  readonly id: string;
  readonly traceback: Traceback;
  readonly size: number;
  readonly count: number;
}

/** Python's frame for traces without one: the C core records `<unknown>:0`. */
const UNKNOWN_FRAME = new Frame(UNKNOWN_FILENAME, 0, '', 0);

/**
 * Python's `Snapshot._group_by` over the columns. Cost: one pass over the
 * samples (three typed-array reads each), then per used stack row one key
 * lookup (memoized per frame row, and per stack row for tracebacks), or a
 * walk of its frames when cumulative: O(samples + stacks × depth), with
 * objects made per distinct key only.
 *
 * Cumulative mode counts every frame of each traceback, as CPython's
 * `_group_by` does: a function that recurs in one traceback counts once per
 * frame, so cumulative sizes can exceed the snapshot's total.
 */
function groupBy(snapshot: Snapshot, keyType: KeyType, cumulative: boolean): Group[] {
  const t = snapshot.table;
  const { stackFrame, stackParent } = t;
  const nStacks = stackFrame.length;

  // 1. Totals per stack row. A sample whose stack is not a row (NO_STACK)
  // has no frames: it goes to the `<unknown>` key, as in Python. The one
  // per-sample pass runs in WebAssembly (lib/stack-totals.ts): in JS, under
  // the sampler at a small interval, it allocated 1.5 sampled HeapNumbers per trace.
  const totals = stackTotals(t.sampleStack, t.sampleSize, t.sampleCount, nStacks);
  const stackSize = totals.size;
  const stackCount = totals.count;
  const stackUsed = totals.used;
  const looseSize = totals.size[nStacks];
  const looseCount = totals.count[nStacks];
  const looseUsed = totals.used[nStacks] === 1;

  // 2. A key per frame row, computed once.
  const frameKeys = new FrameKeys(keyType === 'traceback' ? 'lineno' : keyType);
  const keyOfFrame = new Int32Array(t.frameName.length).fill(-1);
  const frameKey = (row: number): number => {
    let key = keyOfFrame[row];
    if (key < 0) {
      key = frameKeys.intern(snapshot.frame(row));
      keyOfFrame[row] = key;
    }
    return key;
  };

  // 3. Totals per key. Keys are at most one per frame row (+ unknown), or
  // one per stack row (+ unknown) for tracebacks.
  const capacity = (keyType === 'traceback' ? nStacks : t.frameName.length) + 1;
  const size = new Float64Array(capacity);
  const count = new Float64Array(capacity);
  const used = new Uint8Array(capacity);
  const add = (key: number, bytes: number, objects: number): void => {
    size[key] += bytes;
    count[key] += objects;
    used[key] = 1;
  };

  const tracebackKeys = new TracebackKeys(t.frameName.length + 2);
  if (keyType === 'traceback') {
    const keyOfStack = new Int32Array(nStacks).fill(-1);
    const chain: number[] = [];
    for (let s = 0; s < nStacks; s++) {
      if (!stackUsed[s]) continue;
      // Key the unkeyed rows from the outermost down: each row once.
      let row = s;
      while (row >= 0 && keyOfStack[row] < 0) {
        chain.push(row);
        row = stackParent[row];
      }
      let key = row >= 0 ? keyOfStack[row] : -1;
      while (chain.length > 0) {
        const r = chain.pop() as number;
        key = tracebackKeys.intern(key, frameKey(stackFrame[r]));
        keyOfStack[r] = key;
      }
      add(keyOfStack[s], stackSize[s], stackCount[s]);
    }
    if (looseUsed) add(tracebackKeys.intern(-1, frameKeys.intern(UNKNOWN_FRAME)), looseSize, looseCount);
  } else if (!cumulative) {
    // The key of each used stack row (small integers only: nothing boxed),
    // then the same wasm pass sums the rows into their keys; unused rows go
    // to the spare slot `capacity`, which is ignored.
    const keyOfStack = new Uint32Array(nStacks).fill(capacity);
    for (let s = 0; s < nStacks; s++) {
      if (stackUsed[s]) keyOfStack[s] = frameKey(stackFrame[s]);
    }
    const byKey = stackTotals(keyOfStack, stackSize.subarray(0, nStacks), stackCount.subarray(0, nStacks), capacity);
    size.set(byKey.size.subarray(0, capacity));
    count.set(byKey.count.subarray(0, capacity));
    used.set(byKey.used.subarray(0, capacity));
    if (looseUsed) add(frameKeys.intern(UNKNOWN_FRAME), looseSize, looseCount);
  } else {
    // Every frame counts, a recurring one once per occurrence, exactly as
    // CPython's _group_by does: users compare our numbers with Python's.
    for (let s = 0; s < nStacks; s++) {
      if (!stackUsed[s]) continue;
      for (let row = s; row >= 0; row = stackParent[row]) {
        const key = frameKey(stackFrame[row]);
        add(key, stackSize[s], stackCount[s]);
      }
    }
    if (looseUsed) add(frameKeys.intern(UNKNOWN_FRAME), looseSize, looseCount);
  }

  // 4. Objects per distinct key only.
  const groups: Group[] = [];
  for (let key = 0; key < capacity; key++) {
    if (!used[key]) continue;
    if (keyType !== 'traceback') {
      const traceback = new Traceback([frameKeys.frame(key)]);
      groups.push({ id: frameKeys.text[key], traceback, size: size[key], count: count[key] });
      continue;
    }
    const frames: Frame[] = [];
    const ids: string[] = [];
    for (let k = key; k >= 0; k = tracebackKeys.parent[k]) {
      frames.push(frameKeys.frame(tracebackKeys.frameKey[k]));
      ids.push(frameKeys.text[tracebackKeys.frameKey[k]]);
    }
    // The JSON texts hold no raw newline: joining them is unambiguous.
    const traceback = new Traceback(frames.reverse());
    groups.push({ id: ids.reverse().join('\n'), traceback, size: size[key], count: count[key] });
  }
  return groups;
}

/**
 * Implements {@link Snapshot.statistics}: see there.
 * @internal
 */
export function statisticsOf(snapshot: Snapshot, keyType: KeyType, cumulative: boolean): Statistic[] {
  checkKeyType(keyType, cumulative);
  return sortStatistics(groupBy(snapshot, keyType, cumulative).map((g) => new Statistic(g.traceback, g.size, g.count)));
}

/**
 * Implements {@link Snapshot.compareTo}: see there.
 * @internal
 */
export function compareSnapshots(
  current: Snapshot,
  old: Snapshot,
  keyType: KeyType,
  cumulative: boolean,
): StatisticDiff[] {
  checkKeyType(keyType, cumulative);
  const previous = new Map<string, Group>();
  for (const g of groupBy(old, keyType, cumulative)) previous.set(g.id, g);
  const diffs: StatisticDiff[] = [];
  for (const g of groupBy(current, keyType, cumulative)) {
    const before = previous.get(g.id);
    previous.delete(g.id);
    const oldSize = before?.size ?? 0;
    const oldCount = before?.count ?? 0;
    diffs.push(new StatisticDiff(g.traceback, g.size, g.size - oldSize, g.count, g.count - oldCount));
  }
  for (const g of previous.values()) diffs.push(new StatisticDiff(g.traceback, 0, -g.size, 0, -g.count));
  return sortStatisticDiffs(diffs);
}
