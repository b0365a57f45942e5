// Python's Snapshot.statistics() and compare_to() over the columnar
// ProfileTable: samples are summed per stack row in one pass over the typed
// arrays, keys are computed once per frame row / stack row, and objects are
// made only per distinct key (a JS object per sample is what made
// @datadog/pprof's heap.profile() 10-100x slower than a flat table).
import { isScriptless } from './attribution';
import { Frame, UNKNOWN_FILENAME } from './frame';
import { formatCount, formatSize, roundForDisplay } from './format';
import { differenceInterval95, exactSum, interval95, withinNoise, type SampledSum } from './intervals';
import { sharedSamples, stackSpread, type StackSpread } from './sampling-error';
import type { Snapshot } from './snapshot';
import { stackTotals } from './stack-totals';
import { Traceback } from './traceback';

/**
 * How {@link Snapshot.statistics} groups traces, as in Python plus `function`:
 * - `filename`: the file of the most recent frame (line shown as 0);
 * - `lineno`: file and line of the most recent frame (the function's start line: V8 records no other);
 * - `function`: file, start line and function name, telling apart functions that start on one line,
 *   and what a builtin allocated for the function (`split (builtin) in parseLine`) from the rest;
 * - `traceback`: the whole traceback, as (file, line) pairs.
 *
 * "Most recent frame" is the most recent one with a script: builtins
 * (`split`, `map`, `new Map`, ...) have none, and what they allocate is
 * charged to the scripted frame that called them, as Python charges C code
 * to the Python line that called it.
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
 * The sampling error behind a statistic (see docs/error-bars.md): how many
 * of V8's samples it sums, and the terms of its 95% intervals.
 */
export interface StatisticSpread {
  /** V8 samples summed. */
  readonly samples: number;
  readonly size: SampledSum;
  readonly count: SampledSum;
}

/**
 * The sampling error behind a {@link StatisticDiff}: the new snapshot's, plus
 * the samples found in only one of the two snapshots (samples in both, the
 * same objects seen twice, cancel out of the difference). Without shared
 * samples (two tracing sessions), `added` and `removed` are whole snapshots.
 */
export interface DiffSpread extends StatisticSpread {
  readonly added: { readonly size: SampledSum; readonly count: SampledSum };
  readonly removed: { readonly size: SampledSum; readonly count: SampledSum };
}

function checkSum(value: unknown, name: string): SampledSum {
  const sum = value as SampledSum | undefined;
  if (typeof sum !== 'object' || sum === null) {
    throw argError(new TypeError(`Expected { value, variance, floor } for ${name}`), 'ERR_INVALID_ARG_TYPE');
  }
  finite(sum.value, `${name}.value`);
  finite(sum.variance, `${name}.variance`);
  finite(sum.floor, `${name}.floor`);
  return sum;
}

function checkSpread<T extends StatisticSpread>(spread: unknown, diff: boolean): T {
  if (typeof spread !== 'object' || spread === null) {
    throw argError(new TypeError('Expected an object for spread'), 'ERR_INVALID_ARG_TYPE');
  }
  const s = spread as DiffSpread;
  finite(s.samples, 'spread.samples');
  checkSum(s.size, 'spread.size');
  checkSum(s.count, 'spread.count');
  if (diff) {
    for (const part of ['added', 'removed'] as const) {
      checkSum(s[part]?.size, `spread.${part}.size`);
      checkSum(s[part]?.count, `spread.${part}.count`);
    }
  }
  return spread as T;
}

type Range = readonly [number, number];

function frozenRange(range: [number, number]): Range {
  return Object.freeze(range);
}

/**
 * Memory allocated at one key (file, line, function or traceback): the sum
 * of the traces grouped under it, as Python's `tracemalloc.Statistic`.
 * `size` and `count` are unbiased estimates, often fractional, when the
 * snapshot was sampled (`snapshot.exact === false`); `samples`, `sizeRange`
 * and `countRange` say how far off they may be.
 *
 * @example
 * const stat = new Statistic(new Traceback([new Frame('app.js', 12)]), 5120, 80);
 * String(stat); // "app.js:12: size=5120 B, count=80, average=64 B"
 * stat.sizeRange; // [5120, 5120]: made without a spread, a statistic is exact
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
  /** V8 samples behind the figures; equal to `count` when exact (every object is a sample). */
  readonly samples: number;
  private readonly spread: StatisticSpread;
  private ranges: { size?: Range; count?: Range } = {};

  /** @param spread the sampling error, as `statistics()` computes it; omitted: exact figures */
  constructor(traceback: Traceback, size: number, count: number, spread?: StatisticSpread) {
    this.traceback = checkTraceback(traceback);
    this.size = finite(size, 'size');
    this.count = finite(count, 'count');
    this.spread =
      spread === undefined
        ? { samples: this.count, size: exactSum(this.size), count: exactSum(this.count) }
        : checkSpread<StatisticSpread>(spread, false);
    this.samples = this.spread.samples;
  }

  /** 95% confidence interval of `size`, `[low, high]`; the value itself when exact. */
  get sizeRange(): Range {
    return (this.ranges.size ??= frozenRange(interval95(this.spread.size)));
  }

  /** 95% confidence interval of `count`, `[low, high]`; the value itself when exact. */
  get countRange(): Range {
    return (this.ranges.count ??= frozenRange(interval95(this.spread.count)));
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

/** `range`, moved so that its estimate is `value` (sums in another order differ in the last bits). */
function rangeAround(value: number, estimate: number, range: [number, number]): Range {
  return frozenRange([range[0] + value - estimate, range[1] + value - estimate]);
}

/**
 * The difference at one key between an old and a new snapshot, as Python's
 * `tracemalloc.StatisticDiff`: `size`/`count` are the new values (0 for a key
 * found only in the old snapshot), the diffs are new − old. With sampled
 * snapshots, `sizeDiffRange` and `countDiffRange` say whether a change may be
 * sampling noise (`withinNoise`).
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
  /** V8 samples behind `size` and `count` (the new snapshot's); equal to `count` when exact. */
  readonly samples: number;
  private readonly spread: DiffSpread;
  private ranges: { size?: Range; count?: Range; sizeDiff?: Range; countDiff?: Range } = {};

  /** @param spread the sampling error, as `compareTo()` computes it; omitted: exact figures */
  constructor(
    traceback: Traceback,
    size: number,
    sizeDiff: number,
    count: number,
    countDiff: number,
    spread?: DiffSpread,
  ) {
    this.traceback = checkTraceback(traceback);
    this.size = finite(size, 'size');
    this.sizeDiff = finite(sizeDiff, 'sizeDiff');
    this.count = finite(count, 'count');
    this.countDiff = finite(countDiff, 'countDiff');
    if (spread === undefined) {
      const none = { size: exactSum(0), count: exactSum(0) };
      this.spread = {
        samples: this.count,
        size: exactSum(this.size),
        count: exactSum(this.count),
        added: { size: exactSum(this.sizeDiff), count: exactSum(this.countDiff) },
        removed: none,
      };
    } else {
      this.spread = checkSpread<DiffSpread>(spread, true);
    }
    this.samples = this.spread.samples;
  }

  /** 95% confidence interval of `size` (the new snapshot's), `[low, high]`. */
  get sizeRange(): Range {
    return (this.ranges.size ??= frozenRange(interval95(this.spread.size)));
  }

  /** 95% confidence interval of `count` (the new snapshot's), `[low, high]`. */
  get countRange(): Range {
    return (this.ranges.count ??= frozenRange(interval95(this.spread.count)));
  }

  /** 95% confidence interval of `sizeDiff`, `[low, high]`; the value itself when both snapshots are exact. */
  get sizeDiffRange(): Range {
    const { added, removed } = this.spread;
    const estimate = added.size.value - removed.size.value;
    return (this.ranges.sizeDiff ??= rangeAround(
      this.sizeDiff,
      estimate,
      differenceInterval95(added.size, removed.size),
    ));
  }

  /** 95% confidence interval of `countDiff`, `[low, high]`. */
  get countDiffRange(): Range {
    const { added, removed } = this.spread;
    const estimate = added.count.value - removed.count.value;
    return (this.ranges.countDiff ??= rangeAround(
      this.countDiff,
      estimate,
      differenceInterval95(added.count, removed.count),
    ));
  }

  /** True when the size change may be sampling noise: its 95% interval holds 0 (never when exact). */
  get withinNoise(): boolean {
    return withinNoise(this.sizeDiffRange);
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
 * functions starting on one line, for `lineno`) keep the function name,
 * column, builtin flag and called builtin only when they all agree ('', 0,
 * false and '' otherwise). For `function` keys the called builtin is part of
 * the identity: `split (builtin) in parseLine` is a key apart from `parseLine`.
 * In tracebacks (`namedBuiltins`), builtin frames are told apart by name: they
 * all sit at `<unknown>:0`, where Python's tracebacks have no frame at all.
 */
class FrameKeys {
  private readonly ids = new Map<string, number>();
  /** Identity of each key across snapshots. */
  readonly text: string[] = [];
  private readonly filename: string[] = [];
  private readonly lineno: number[] = [];
  private readonly name: string[] = [];
  private readonly column: number[] = [];
  private readonly builtin: boolean[] = [];
  private readonly calledBuiltin: string[] = [];
  private readonly frames: (Frame | undefined)[] = [];

  constructor(
    private readonly keyType: 'filename' | 'lineno' | 'function',
    private readonly namedBuiltins = false,
  ) {}

  /** @param calledBuiltin the builtin that allocated for `frame` ('' for its own allocations) */
  intern(frame: Frame, calledBuiltin = ''): number {
    const byFile = this.keyType === 'filename';
    const lineno = byFile ? 0 : frame.lineno;
    const called = byFile ? '' : calledBuiltin;
    const byName = this.keyType === 'function' || (this.namedBuiltins && frame.builtin);
    // JSON: an exact, unambiguous identity whatever the filename holds.
    const text =
      this.keyType === 'function' && called !== ''
        ? JSON.stringify([frame.filename, lineno, frame.functionName, called])
        : byName
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
      this.builtin.push(byFile ? false : frame.builtin);
      this.calledBuiltin.push(called);
    } else {
      if (this.name[id] !== frame.functionName) this.name[id] = '';
      if (this.column[id] !== frame.column) this.column[id] = 0;
      if (this.builtin[id] !== frame.builtin) this.builtin[id] = false;
      if (this.calledBuiltin[id] !== called) this.calledBuiltin[id] = '';
    }
    return id;
  }

  frame(id: number): Frame {
    let frame = this.frames[id];
    if (frame === undefined) {
      const options = { builtin: this.builtin[id], calledBuiltin: this.calledBuiltin[id] };
      frame = new Frame(this.filename[id], this.lineno[id], this.name[id], this.column[id], options);
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
  /** One sum per column given to groupBy, in that order. */
  readonly sums: Float64Array;
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
 * A `'filename'`, `'lineno'` or `'function'` key is the stack row's nearest
 * frame with a script (lib/attribution.ts): builtins are charged to their
 * caller. Cumulative mode counts every frame of each traceback, as CPython's
 * `_group_by` does, except builtins below a scripted caller: a function that
 * recurs in one traceback counts once per frame, so cumulative sizes can
 * exceed the snapshot's total.
 *
 * `columns` (length nStacks + 1, the last slot for samples with no stack
 * row) are summed per key alongside sizes and counts.
 */
function groupBy(
  snapshot: Snapshot,
  keyType: KeyType,
  cumulative: boolean,
  columns: readonly Float64Array[] = [],
): Group[] {
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
  const looseUsed = totals.used[nStacks] === 1;

  // 2. A key per frame row (and called builtin), computed once.
  const frameKeys = keyType === 'traceback' ? new FrameKeys('lineno', true) : new FrameKeys(keyType);
  const keyOfFrame = new Int32Array(t.frameName.length).fill(-1);
  const frameKey = (row: number): number => {
    let key = keyOfFrame[row];
    if (key < 0) {
      key = frameKeys.intern(snapshot.frame(row));
      keyOfFrame[row] = key;
    }
    return key;
  };
  const { scripted, callee } = snapshot.attribution();
  const viaBuiltin = new Map<number, number>();
  /** The key of a stack row: its nearest scripted frame, with the builtin that frame called. */
  const stackKey = (s: number): number => {
    const row = scripted[s] >= 0 ? scripted[s] : s;
    const calleeRow = callee[s];
    if (calleeRow < 0 || keyType === 'filename') return frameKey(stackFrame[row]);
    const calleeFrame = stackFrame[calleeRow];
    const memo = stackFrame[row] * t.frameName.length + calleeFrame;
    let key = viaBuiltin.get(memo);
    if (key === undefined) {
      const called = snapshot.frame(calleeFrame);
      key = frameKeys.intern(snapshot.frame(stackFrame[row]), called.builtin ? called.functionName : '');
      viaBuiltin.set(memo, key);
    }
    return key;
  };

  // 3. Totals per key. Keys are at most one per stack row (+ unknown).
  const capacity = nStacks + 1;
  const size = new Float64Array(capacity);
  const count = new Float64Array(capacity);
  const used = new Uint8Array(capacity);
  const sums = columns.map(() => new Float64Array(capacity));
  /** Adds stack row `s` (nStacks: the samples with no stack row) to `key`. */
  const add = (key: number, s: number): void => {
    size[key] += stackSize[s];
    count[key] += stackCount[s];
    used[key] = 1;
    for (let c = 0; c < columns.length; c++) sums[c][key] += columns[c][s];
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
      add(keyOfStack[s], s);
    }
    if (looseUsed) add(tracebackKeys.intern(-1, frameKeys.intern(UNKNOWN_FRAME)), nStacks);
  } else if (!cumulative) {
    // The key of each used stack row (small integers only: nothing boxed),
    // then the same wasm pass sums the rows into their keys; unused rows go
    // to the spare slot `capacity`, which is ignored.
    const keyOfStack = new Uint32Array(nStacks).fill(capacity);
    for (let s = 0; s < nStacks; s++) {
      if (stackUsed[s]) keyOfStack[s] = stackKey(s);
    }
    const byKey = stackTotals(keyOfStack, stackSize.subarray(0, nStacks), stackCount.subarray(0, nStacks), capacity);
    size.set(byKey.size.subarray(0, capacity));
    count.set(byKey.count.subarray(0, capacity));
    used.set(byKey.used.subarray(0, capacity));
    for (let c = 0; c < columns.length; c++) {
      for (let s = 0; s < nStacks; s++) if (stackUsed[s]) sums[c][keyOfStack[s]] += columns[c][s];
    }
    if (looseUsed) add(frameKeys.intern(UNKNOWN_FRAME), nStacks);
  } else {
    // Every frame counts, a recurring one once per occurrence, exactly as
    // CPython's _group_by does: users compare our numbers with Python's.
    // Builtins below a scripted caller are not keys (their caller is).
    for (let s = 0; s < nStacks; s++) {
      if (!stackUsed[s]) continue;
      for (let row = s; row >= 0; row = stackParent[row]) {
        if (scripted[row] >= 0 && isScriptless(t, stackFrame[row])) continue;
        add(frameKey(stackFrame[row]), s);
      }
    }
    if (looseUsed) add(frameKeys.intern(UNKNOWN_FRAME), nStacks);
  }

  // 4. Objects per distinct key only.
  const groups: Group[] = [];
  const sumsOf = (key: number): Float64Array => Float64Array.from(sums, (column) => column[key]);
  for (let key = 0; key < capacity; key++) {
    if (!used[key]) continue;
    if (keyType !== 'traceback') {
      const traceback = new Traceback([frameKeys.frame(key)]);
      groups.push({ id: frameKeys.text[key], traceback, size: size[key], count: count[key], sums: sumsOf(key) });
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
    groups.push({ id: ids.reverse().join('\n'), traceback, size: size[key], count: count[key], sums: sumsOf(key) });
  }
  return groups;
}

/** The per-stack columns of a sampled snapshot's spread, in the order {@link partsOf} reads them. */
function spreadColumns(spread: StackSpread): Float64Array[] {
  return [spread.size, spread.count, spread.samples, spread.sizeVariance, spread.countVariance, spread.sampledSize];
}
const SPREAD_COLUMNS = 6;

interface Parts {
  samples: number;
  size: SampledSum;
  count: SampledSum;
}

/** A group's spread from its sums of {@link spreadColumns} at `offset`, or exact figures when there are none. */
function partsOf(group: Group | undefined, offset: number): Parts {
  if (group === undefined) return { samples: 0, size: exactSum(0), count: exactSum(0) };
  if (group.sums.length < offset + SPREAD_COLUMNS) {
    return { samples: group.count, size: exactSum(group.size), count: exactSum(group.count) };
  }
  const sums = group.sums.subarray(offset, offset + SPREAD_COLUMNS);
  const [size, count, samples, sizeVariance, countVariance, sampledSize] = sums;
  return {
    samples,
    size: { value: size, variance: sizeVariance, floor: sampledSize },
    count: { value: count, variance: countVariance, floor: samples },
  };
}

/** The weight of one sample of a part (bytes and objects): variance / value, 0 without samples. */
function sampleWeight(parts: Parts): { size: number; count: number } {
  const of = (sum: SampledSum): number => (sum.value > 0 && sum.variance > 0 ? sum.variance / sum.value : 0);
  return { size: of(parts.size), count: of(parts.count) };
}

/**
 * A part of a difference with no sample, from a sampled snapshot, may still
 * have missed objects: it gets the weight of one sample of the key (from its
 * other parts) as its unseen weight (lib/intervals.ts).
 */
function withUnseen(parts: Parts, sampled: boolean, weight: { size: number; count: number }): Parts {
  if (!sampled || parts.samples > 0) return parts;
  return {
    samples: 0,
    size: { ...parts.size, unseenWeight: weight.size },
    count: { ...parts.count, unseenWeight: weight.count },
  };
}

/**
 * Implements {@link Snapshot.statistics}: see there.
 * @internal
 */
export function statisticsOf(snapshot: Snapshot, keyType: KeyType, cumulative: boolean): Statistic[] {
  checkKeyType(keyType, cumulative);
  // Exact snapshots have no spread to sum: every sample is one object of weight 1.
  const columns = snapshot.exact ? [] : spreadColumns(stackSpread(snapshot));
  const groups = groupBy(snapshot, keyType, cumulative, columns);
  return sortStatistics(groups.map((g) => new Statistic(g.traceback, g.size, g.count, partsOf(g, 0))));
}

/**
 * Implements {@link Snapshot.compareTo}: see there. The error bars of a
 * difference come from the samples found in only one of the two snapshots
 * (lib/sampling-error.ts).
 * @internal
 */
export function compareSnapshots(
  current: Snapshot,
  old: Snapshot,
  keyType: KeyType,
  cumulative: boolean,
): StatisticDiff[] {
  checkKeyType(keyType, cumulative);
  const shared = sharedSamples(current, old);
  const onlyIn = (snapshot: Snapshot, inBoth: Uint8Array): StackSpread =>
    stackSpread(snapshot, inBoth.map((x) => 1 - x));
  // Current: the whole snapshot's spread at 0, the samples it alone has at 6.
  const currentColumns = current.exact
    ? []
    : [...spreadColumns(stackSpread(current)), ...(shared ? spreadColumns(onlyIn(current, shared[0])) : [])];
  const oldColumns = old.exact ? [] : spreadColumns(shared ? onlyIn(old, shared[1]) : stackSpread(old));
  const addedOffset = shared ? SPREAD_COLUMNS : 0;
  // The parts of a change: what only the new snapshot has, what only the old had.
  const changes = (added: Parts, removed: Parts, whole: Parts): Pick<DiffSpread, 'added' | 'removed'> => {
    const weights = [added, removed, whole].map(sampleWeight);
    const weight = weights.find((w) => w.size > 0) ?? weights[0];
    return { added: withUnseen(added, !current.exact, weight), removed: withUnseen(removed, !old.exact, weight) };
  };

  const previous = new Map<string, Group>();
  for (const g of groupBy(old, keyType, cumulative, oldColumns)) previous.set(g.id, g);
  const diffs: StatisticDiff[] = [];
  for (const g of groupBy(current, keyType, cumulative, currentColumns)) {
    const before = previous.get(g.id);
    previous.delete(g.id);
    const oldSize = before?.size ?? 0;
    const oldCount = before?.count ?? 0;
    const whole = partsOf(g, 0);
    const spread = { ...whole, ...changes(partsOf(g, addedOffset), partsOf(before, 0), whole) };
    diffs.push(new StatisticDiff(g.traceback, g.size, g.size - oldSize, g.count, g.count - oldCount, spread));
  }
  for (const g of previous.values()) {
    const none = partsOf(undefined, 0);
    const spread = { ...none, ...changes(none, partsOf(g, 0), none) };
    diffs.push(new StatisticDiff(g.traceback, 0, -g.size, 0, -g.count, spread));
  }
  return sortStatisticDiffs(diffs);
}
