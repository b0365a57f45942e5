// Python's Snapshot.statistics() and compare_to() over the columnar
// ProfileTable: samples are summed per stack row in one pass over the typed
// arrays, keys are computed once per frame row / stack row, and objects are
// made only per distinct key (a JS object per sample is what made
// @datadog/pprof's heap.profile() 10-100x slower than a flat table).
import { isScriptless } from './attribution';
import { Frame, UNKNOWN_FILENAME } from './frame';
import { formatCount, formatSize, roundForDisplay } from '../helpers/format';
import { differenceInterval95, exactSum, interval95, withinNoise, type SampledSum } from './intervals';
import { scaledCount, sharedSamples, stackSpread, type StackSpread } from './sampling-error';
import type { Snapshot } from './snapshot';
import { slotSums, sumBySlot, sumColumnBySlot, sumIntoParents } from './slot-sums';
import { markCallers, parentsFirst } from './stack-walk';
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

// `name` + `field` is the argument's name: joined only to throw (this runs
// for every statistic, which V8 samples when tracing at interval 1).
function finite(value: unknown, name: string, field = ''): number {
  if (typeof value !== 'number') {
    throw argError(
      new TypeError(`Expected a number for ${name}${field} but received ${typeof value}`),
      'ERR_INVALID_ARG_TYPE',
    );
  }
  if (!Number.isFinite(value)) {
    throw argError(
      new RangeError(`Expected a finite number for ${name}${field} but received ${value}`),
      'ERR_OUT_OF_RANGE',
    );
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
    throw argError(new RangeError('cumulative mode cannot be used with key type "traceback"'), 'ERR_INVALID_ARG_VALUE');
  }
}

/**
 * The sampling error behind a statistic (see docs/error-bars.md): how many
 * of V8's samples it sums, and the terms of its 95% intervals.
 */
export interface StatisticSpread {
  /** V8 samples summed. */
  readonly samples: number;
  /** The bytes' sampled sum. */
  readonly size: SampledSum;
  /** The objects' sampled sum. */
  readonly count: SampledSum;
}

/**
 * The sampling error behind a {@link StatisticDiff}: the new snapshot's, plus
 * the samples found in only one of the two snapshots (samples in both, the
 * same objects seen twice, cancel out of the difference). Without shared
 * samples (two tracing sessions), `added` and `removed` are whole snapshots.
 */
export interface DiffSpread extends StatisticSpread {
  /** Samples only in the new snapshot. */
  readonly added: {
    /** Their bytes. */
    readonly size: SampledSum;
    /** Their objects. */
    readonly count: SampledSum;
  };
  /** Samples only in the old snapshot. */
  readonly removed: {
    /** Their bytes. */
    readonly size: SampledSum;
    /** Their objects. */
    readonly count: SampledSum;
  };
}

function checkSum(value: unknown, name: string): SampledSum {
  const sum = value as SampledSum | undefined;
  if (typeof sum !== 'object' || sum === null) {
    throw argError(new TypeError(`Expected { value, variance, floor } for ${name}`), 'ERR_INVALID_ARG_TYPE');
  }
  finite(sum.value, name, '.value');
  finite(sum.variance, name, '.variance');
  finite(sum.floor, name, '.floor');
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
    checkSum(s.added?.size, 'spread.added.size');
    checkSum(s.added?.count, 'spread.added.count');
    checkSum(s.removed?.size, 'spread.removed.size');
    checkSum(s.removed?.count, 'spread.removed.count');
  }
  return spread as T;
}

/** A 95% interval, `[low, high]`. */
export type Range = readonly [number, number];

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
  // Undefined for exact figures: their spread is made only when a range is
  // asked for (statistics() makes one Statistic per key; most are never read).
  private readonly spread: StatisticSpread | undefined;
  private sizeRangeCache: Range | undefined;
  private countRangeCache: Range | undefined;

  /** @param spread the sampling error, as `statistics()` computes it; omitted: exact figures */
  constructor(traceback: Traceback, size: number, count: number, spread?: StatisticSpread) {
    this.traceback = checkTraceback(traceback);
    this.size = finite(size, 'size');
    this.count = finite(count, 'count');
    this.spread = spread === undefined ? undefined : checkSpread<StatisticSpread>(spread, false);
    this.samples = this.spread === undefined ? this.count : this.spread.samples;
  }

  /** 95% confidence interval of `size`, `[low, high]`; the value itself when exact. */
  get sizeRange(): Range {
    return (this.sizeRangeCache ??= frozenRange(interval95(this.spread?.size ?? exactSum(this.size))));
  }

  /** 95% confidence interval of `count`, `[low, high]`; the value itself when exact. */
  get countRange(): Range {
    return (this.countRangeCache ??= frozenRange(interval95(this.spread?.count ?? exactSum(this.count))));
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
  /** The key: one frame (oldest first when `traceback`); see {@link KeyType}. */
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
 * Python's order of frames: (filename, lineno), then the function name,
 * which only `function` keys can differ by alone; then the builtin a
 * `function` key's frame called (`parseLine` before `split (builtin) in
 * parseLine`), so that the order is total.
 */
function compareFrames(x: Frame, y: Frame): number {
  return (
    compareStrings(x.filename, y.filename) ||
    x.lineno - y.lineno ||
    compareStrings(x.functionName, y.functionName) ||
    compareStrings(x.calledBuiltin, y.calledBuiltin)
  );
}

/**
 * One id per distinct single-frame key. Frames merged into one key (two
 * functions starting on one line, for `lineno`) keep the function name,
 * column, builtin flag and called builtin only when they all agree ('', 0,
 * false and '' otherwise); so {@link frame} is read only once every snapshot
 * has been interned. For `function` keys the called builtin is part of the
 * identity: `split (builtin) in parseLine` is a key apart from `parseLine`.
 * In tracebacks (`namedBuiltins`), builtin frames are told apart by name: they
 * all sit at `<unknown>:0`, where Python's tracebacks have no frame at all.
 */
class FrameKeys {
  // Per filename: a key's id by its line, or, when the key is also told
  // apart by function name or called builtin, by JSON of [line, name(, builtin)]
  // (an exact identity whatever the names hold). The common keys (filename
  // and lineno) make no string.
  private readonly ids = new Map<string, Map<number | string, number>>();
  /** The first frame interned into each key: its frame, when the merged fields agree with it. */
  private readonly first: Frame[] = [];
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

  get size(): number {
    return this.filename.length;
  }

  /** @param calledBuiltin the builtin that allocated for `frame` ('' for its own allocations) */
  intern(frame: Frame, calledBuiltin = ''): number {
    const byFile = this.keyType === 'filename';
    const lineno = byFile ? 0 : frame.lineno;
    const called = byFile ? '' : calledBuiltin;
    const byName = this.keyType === 'function' || (this.namedBuiltins && frame.builtin);
    const key =
      this.keyType === 'function' && called !== ''
        ? JSON.stringify([lineno, frame.functionName, called])
        : byName
          ? JSON.stringify([lineno, frame.functionName])
          : lineno;
    let inFile = this.ids.get(frame.filename);
    if (inFile === undefined) {
      inFile = new Map();
      this.ids.set(frame.filename, inFile);
    }
    let id = inFile.get(key);
    if (id === undefined) {
      id = this.filename.length;
      inFile.set(key, id);
      this.first.push(frame);
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
      const first = this.first[id];
      if (
        first.lineno === this.lineno[id] &&
        first.functionName === this.name[id] &&
        first.column === this.column[id] &&
        first.builtin === this.builtin[id] &&
        first.calledBuiltin === this.calledBuiltin[id]
      ) {
        frame = first; // frames are immutable: the snapshot's own serves
      } else {
        const options = { builtin: this.builtin[id], calledBuiltin: this.calledBuiltin[id] };
        frame = new Frame(this.filename[id], this.lineno[id], this.name[id], this.column[id], options);
      }
      this.frames[id] = frame;
    }
    return frame;
  }

  /** The rank of each key in Python's frame order. */
  ranks(): Uint32Array {
    const ids = Array.from({ length: this.size }, (_, i) => i);
    ids.sort((a, b) => compareFrames(this.frame(a), this.frame(b)));
    const rank = new Uint32Array(this.size);
    ids.forEach((id, i) => {
      rank[id] = i;
    });
    return rank;
  }
}
/** One id per distinct traceback key: a trie of (parent key, frame key); a parent's id is below its children's. */
class TracebackKeys {
  private readonly ids = new Map<number | string, number>();
  readonly parent: number[] = [];
  readonly frameKey: number[] = [];

  get size(): number {
    return this.parent.length;
  }

  intern(parent: number, frameKey: number): number {
    // One exact number while the pair fits in 53 bits, else a string.
    const key =
      frameKey < 0x4000000 && parent < 0x7ffffff ? (parent + 1) * 0x4000000 + frameKey : `${parent},${frameKey}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.parent.length;
      this.ids.set(key, id);
      this.parent.push(parent);
      this.frameKey.push(frameKey);
    }
    return id;
  }

  /**
   * The rank of each key in Python's traceback order (tuples of frames,
   * oldest first; a prefix before its extensions): the keys' preorder in the
   * trie, siblings in frame order. O(keys log keys), no recursion, where
   * comparing tracebacks frame by frame costs up to their depth per comparison.
   */
  ranks(frameRank: Uint32Array): Uint32Array {
    const n = this.size;
    const byParentThenFrame = Array.from({ length: n }, (_, i) => i);
    byParentThenFrame.sort(
      (a, b) => this.parent[a] - this.parent[b] || frameRank[this.frameKey[a]] - frameRank[this.frameKey[b]],
    );
    // Children lists in order: firstChild[p + 1] (slot 0 for the roots), nextSibling.
    const firstChild = new Int32Array(n + 1).fill(-1);
    const nextSibling = new Int32Array(n).fill(-1);
    for (let i = n - 1; i >= 0; i--) {
      const k = byParentThenFrame[i];
      nextSibling[k] = firstChild[this.parent[k] + 1];
      firstChild[this.parent[k] + 1] = k;
    }
    const rank = new Uint32Array(n);
    const stack: number[] = [];
    let next = 0;
    for (let root = firstChild[0]; root >= 0; root = nextSibling[root]) {
      stack.push(root);
      while (stack.length > 0) {
        const k = stack.pop() as number;
        rank[k] = next++;
        // Push children last-first, so the first is visited next.
        const children: number[] = [];
        for (let c = firstChild[k + 1]; c >= 0; c = nextSibling[c]) children.push(c);
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      }
    }
    return rank;
  }
}

/** Python's frame for traces without one: the C core records `<unknown>:0`. */
const UNKNOWN_FRAME = Object.freeze(new Frame(UNKNOWN_FILENAME, 0, '', 0));

/**
 * The keys of the snapshots grouped together (one for statistics(), both
 * for compareTo()), so that equal keys of two snapshots get one id.
 */
class KeySpace {
  readonly frames: FrameKeys;
  readonly tracebacks = new TracebackKeys();
  private readonly tracebackOf: (Traceback | undefined)[] = [];

  constructor(readonly keyType: KeyType) {
    this.frames = keyType === 'traceback' ? new FrameKeys('lineno', true) : new FrameKeys(keyType);
  }

  get size(): number {
    return this.keyType === 'traceback' ? this.tracebacks.size : this.frames.size;
  }

  /** Rank of every key in Python's order of keys; once every snapshot is grouped. */
  ranks(): Uint32Array {
    const frameRank = this.frames.ranks();
    return this.keyType === 'traceback' ? this.tracebacks.ranks(frameRank) : frameRank;
  }

  /** The traceback of a key, once every snapshot is grouped. Traceback keys share their callers' tracebacks. */
  traceback(key: number): Traceback {
    if (this.keyType !== 'traceback') return Traceback.extend(undefined, this.frames.frame(key));
    // Keys are made after their parent (TracebackKeys.intern): the keys
    // added since the last call, each from its parent's traceback.
    const { parent, frameKey } = this.tracebacks;
    const made = this.tracebackOf;
    parentsFirst(
      parent,
      (k, p) => {
        made[k] = Traceback.extend(p >= 0 ? made[p] : undefined, this.frames.frame(frameKey[k]));
      },
      made.length,
    );
    return made[key] as Traceback;
  }
}

/**
 * Bytes and objects per key id of a {@link KeySpace}; `used` where some
 * trace has that key; `sums`, one per column given to {@link groupBy}.
 */
interface KeyTotals {
  size: Float64Array;
  count: Float64Array;
  used: Uint8Array;
  sums: Float64Array[];
}

/**
 * keyOfStack value of a row no trace is summed from: above any key id, and
 * an int32 (2³¹ and above would make V8 drop sumBySlot's optimized code).
 */
const NO_KEY = 0x7fffffff;

/**
 * Python's `Snapshot._group_by` over the columns, into `space`'s keys. Cost
 * O(samples + stacks + frames), whatever the depth of the stacks: one pass
 * over the samples (three typed-array reads each); a key per frame row,
 * memoized; per used stack row, its key (for tracebacks, a trie node made
 * once per row from the outermost down); then one more pass summing rows
 * into keys. Objects are made per distinct key only, later.
 *
 * A `'filename'`, `'lineno'` or `'function'` key is the stack row's nearest
 * frame with a script (lib/model/attribution.ts, each row visited once): builtins
 * are charged to their caller.
 *
 * Cumulative mode counts every frame of each traceback, as CPython's
 * `_group_by` does, except builtins below a scripted caller: a function that
 * recurs in one traceback counts once per frame, so cumulative sizes can
 * exceed the snapshot's total. It sums each stack row's subtree (its traces
 * and those of deeper stacks through it), children before parents, and
 * credits the row's key with it: the same sums as walking every trace to its
 * root, without the walk.
 *
 * `columns` (length nStacks + 1, the last slot for samples with no stack
 * row) are summed per key alongside sizes and counts.
 */
function groupBy(
  snapshot: Snapshot,
  space: KeySpace,
  cumulative: boolean,
  columns: readonly Float64Array[] = [],
): KeyTotals {
  const t = snapshot.table;
  const { stackFrame, stackParent } = t;
  const nStacks = stackFrame.length;

  // 1. Totals per stack row, summed once per snapshot. A sample whose stack
  // is not a row (NO_STACK) has no frames: it goes to the `<unknown>` key, as in Python.
  const totals = snapshot.stackTotals();
  let rowSize = totals.size.subarray(0, nStacks);
  let rowCount = totals.count.subarray(0, nStacks);
  let rowColumns = columns.map((column) => column.subarray(0, nStacks));
  const rowUsed = totals.used;

  // 2. A key per frame row, computed once.
  const keyOfFrame = new Int32Array(t.frameName.length).fill(-1);
  const frameKey = (row: number): number => {
    let key = keyOfFrame[row];
    if (key < 0) {
      key = space.frames.intern(snapshot.frame(row));
      keyOfFrame[row] = key;
    }
    return key;
  };

  // 3. The key each stack row's totals go to (small integers only: nothing boxed).
  const keyOfStack = new Uint32Array(nStacks).fill(NO_KEY);
  if (space.keyType === 'traceback') {
    // A key per row some trace goes through (keys of other rows would be
    // empty statistics), each from its caller's key.
    const keyed = markCallers(stackParent, rowUsed.slice(0, nStacks));
    const keyOfRow = new Int32Array(nStacks).fill(-1);
    parentsFirst(stackParent, (r, p) => {
      if (keyed[r] === 1) keyOfRow[r] = space.tracebacks.intern(p >= 0 ? keyOfRow[p] : -1, frameKey(stackFrame[r]));
      if (rowUsed[r] === 1) keyOfStack[r] = keyOfRow[r];
    });
  } else if (!cumulative) {
    // The nearest scripted frame, with the builtin it called (`split
    // (builtin) in parseLine`), memoized per (frame row, builtin frame row).
    const { scripted, callee } = snapshot.attribution();
    const viaBuiltin = new Map<number, number>();
    const stackKey = (s: number): number => {
      const row = scripted[s] >= 0 ? scripted[s] : s;
      const calleeRow = callee[s];
      if (calleeRow < 0 || space.keyType === 'filename') return frameKey(stackFrame[row]);
      const calleeFrame = stackFrame[calleeRow];
      const memo = stackFrame[row] * t.frameName.length + calleeFrame;
      let key = viaBuiltin.get(memo);
      if (key === undefined) {
        const called = snapshot.frame(calleeFrame);
        key = space.frames.intern(snapshot.frame(stackFrame[row]), called.builtin ? called.functionName : '');
        viaBuiltin.set(memo, key);
      }
      return key;
    };
    for (let s = 0; s < nStacks; s++) if (rowUsed[s]) keyOfStack[s] = stackKey(s);
  } else {
    // attribution() walked the rows forward, which checked that parents come
    // first: the backward loops below then visit children before parents.
    const { scripted } = snapshot.attribution();
    const subUsed = markCallers(stackParent, rowUsed.slice(0, nStacks));
    const subtreeSums = (column: Float64Array): Float64Array => {
      const sums = column.slice();
      sumIntoParents(stackParent, subUsed, sums);
      return sums;
    };
    const subSize = subtreeSums(rowSize);
    const subCount = subtreeSums(rowCount);
    const subColumns = rowColumns.map(subtreeSums);
    for (let r = 0; r < nStacks; r++) {
      if (!subUsed[r]) continue;
      // A builtin below a scripted caller is no key: its caller is.
      if (scripted[r] >= 0 && isScriptless(t, stackFrame[r])) continue;
      keyOfStack[r] = frameKey(stackFrame[r]);
    }
    rowSize = subSize;
    rowCount = subCount;
    rowColumns = subColumns;
  }
  let looseKey = -1;
  if (rowUsed[nStacks]) {
    const unknown = space.frames.intern(UNKNOWN_FRAME);
    looseKey = space.keyType === 'traceback' ? space.tracebacks.intern(-1, unknown) : unknown;
  }

  // 4. Rows summed into keys by the same loop, in row order; rows with NO_KEY land in the spare last slot.
  const capacity = space.size;
  const byKey = slotSums(capacity + 1);
  sumBySlot(keyOfStack, rowSize, rowCount, byKey);
  const size = byKey.size.slice(0, capacity);
  const count = byKey.count.slice(0, capacity);
  const used = byKey.used.slice(0, capacity);
  const sums = rowColumns.map((column) => sumColumnBySlot(keyOfStack, column, capacity + 1));
  if (looseKey >= 0) {
    size[looseKey] += totals.size[nStacks];
    count[looseKey] += totals.count[nStacks];
    used[looseKey] = 1;
    for (let c = 0; c < columns.length; c++) sums[c][looseKey] += columns[c][nStacks];
  }
  return { size, count, used, sums };
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

/**
 * The spread of key `key` of `totals` from its sums of {@link spreadColumns}
 * at `offset`, exact figures when there are none; nothing when the key is
 * not in `totals`.
 */
function partsOf(totals: KeyTotals | undefined, key: number, offset: number): Parts {
  if (totals === undefined || key >= totals.used.length || totals.used[key] !== 1) {
    return { samples: 0, size: exactSum(0), count: exactSum(0) };
  }
  if (totals.sums.length < offset + SPREAD_COLUMNS) {
    return { samples: totals.count[key], size: exactSum(totals.size[key]), count: exactSum(totals.count[key]) };
  }
  // Columns in the order of spreadColumns(): size, count, samples, sizeVariance, countVariance, sampledSize.
  const column = (c: number): number => totals.sums[offset + c][key];
  const samples = column(2);
  return {
    samples,
    size: { value: column(0), variance: column(3), floor: column(5) },
    count: { value: column(1), variance: column(4), floor: samples },
  };
}

/** The weight of one sample of a part (bytes and objects): variance / value, 0 without samples. */
function sampleWeight(parts: Parts): { size: number; count: number } {
  const of = (sum: SampledSum): number => (sum.value > 0 && sum.variance > 0 ? sum.variance / sum.value : 0);
  return { size: of(parts.size), count: of(parts.count) };
}

/**
 * The weight one sample of `parts`' objects would have had at `interval`
 * (bytes and objects, as {@link sampleWeight} gives it), from their mean size: for a key that only an exact
 * snapshot has, where no sample gives a weight. Zero when nothing says.
 */
function weightAt(interval: number, parts: Parts): { size: number; count: number } {
  const mean = parts.count.value > 0 ? parts.size.value / parts.count.value : 0;
  if (!(mean > 0) || interval <= 1) return { size: 0, count: 0 };
  // As sampleWeight() reads it from samples: variance / value, w − 1 per object (0 for one surely sampled).
  const count = scaledCount(mean, interval) - 1;
  return { size: mean * count, count };
}

/**
 * A part of a difference with no sample, from a sampled snapshot, may still
 * have missed objects: it gets the weight of one sample of the key (from its
 * other parts) as its unseen weight (lib/model/intervals.ts).
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
 * A Statistic per key of `keys`, in order; exact figures need no spread (the
 * Statistic makes one if a range is read). A module-level function, not a
 * closure made per call: V8 drops a closure's optimized code at the first
 * full GC (every takeSnapshot() runs one) after its last instance dies, and
 * in unoptimized code each read of a Float64Array makes a heap number, which
 * V8 samples at interval 1.
 */
function statisticsFor(
  keys: readonly number[],
  space: KeySpace,
  size: Float64Array,
  count: Float64Array,
  totals: KeyTotals | undefined,
): Statistic[] {
  const out = new Array<Statistic>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    out[i] = new Statistic(
      space.traceback(k),
      size[k],
      count[k],
      totals === undefined ? undefined : partsOf(totals, k, 0),
    );
  }
  return out;
}

/**
 * Python's order of statistics, descending by (size, count), as -1, 0 or 1:
 * comparisons of the statistics' own fields, which allocate nothing even
 * unoptimized (a sort compares ~n log n pairs).
 */
function descendingSizeCount(x: Statistic, y: Statistic): number {
  if (x.size !== y.size) return x.size > y.size ? -1 : 1;
  if (x.count !== y.count) return x.count > y.count ? -1 : 1;
  return 0;
}

/**
 * Implements {@link Snapshot.statistics}: see there.
 * @internal
 */
export function statisticsOf(snapshot: Snapshot, keyType: KeyType, cumulative: boolean): Statistic[] {
  checkKeyType(keyType, cumulative);
  const space = new KeySpace(keyType);
  // Exact snapshots have no spread to sum: every sample is one object of weight 1.
  const columns = snapshot.exact ? [] : spreadColumns(stackSpread(snapshot));
  const totals = groupBy(snapshot, space, cumulative, columns);
  const { size, count, used } = totals;
  const rank = space.ranks();
  const keys: number[] = [];
  for (let k = 0; k < used.length; k++) if (used[k]) keys.push(k);
  const stats = statisticsFor(keys, space, size, count, totals.sums.length === 0 ? undefined : totals);
  // Python's order: descending by (size, count, key).
  const order = stats.map((_, i) => i);
  order.sort((a, b) => descendingSizeCount(stats[a], stats[b]) || rank[keys[b]] - rank[keys[a]]);
  return order.map((i) => stats[i]);
}

/**
 * Implements {@link Snapshot.compareTo}: see there. Both snapshots are
 * grouped into one {@link KeySpace}: equal keys are equal ids. The error
 * bars of a difference come from the samples found in only one of the two
 * snapshots (lib/model/sampling-error.ts).
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
    stackSpread(
      snapshot,
      inBoth.map((x) => 1 - x),
    );
  // Current: the whole snapshot's spread at 0, the samples it alone has at 6.
  const currentColumns = current.exact
    ? []
    : [...spreadColumns(stackSpread(current)), ...(shared ? spreadColumns(onlyIn(current, shared[0])) : [])];
  const oldColumns = old.exact ? [] : spreadColumns(shared ? onlyIn(old, shared[1]) : stackSpread(old));
  const addedOffset = shared ? SPREAD_COLUMNS : 0;
  // The parts of a change: what only the new snapshot has, what only the old had.
  const changes = (added: Parts, removed: Parts, whole: Parts): Pick<DiffSpread, 'added' | 'removed'> => {
    const weights = [added, removed, whole].map(sampleWeight);
    // Against an exact snapshot no part has a sampled weight: the sampled side's, for the key's objects.
    if (current.exact !== old.exact) {
      const sampledInterval = current.exact ? old.interval : current.interval;
      weights.push(weightAt(sampledInterval, whole.count.value > 0 ? whole : removed));
    }
    const weight = weights.find((w) => w.size > 0) ?? weights[0];
    return { added: withUnseen(added, !current.exact, weight), removed: withUnseen(removed, !old.exact, weight) };
  };

  const space = new KeySpace(keyType);
  const before = groupBy(old, space, cumulative, oldColumns);
  const after = groupBy(current, space, cumulative, currentColumns);
  const n = space.size;
  const size = new Float64Array(n);
  const sizeDiff = new Float64Array(n);
  const count = new Float64Array(n);
  const countDiff = new Float64Array(n);
  const keys: number[] = [];
  for (let k = 0; k < n; k++) {
    const isNew = k < after.used.length && after.used[k] === 1;
    const isOld = k < before.used.length && before.used[k] === 1;
    if (!isNew && !isOld) continue;
    // A key found only in the old snapshot has size and count 0 now.
    size[k] = isNew ? after.size[k] : 0;
    count[k] = isNew ? after.count[k] : 0;
    sizeDiff[k] = isOld ? size[k] - before.size[k] : size[k];
    countDiff[k] = isOld ? count[k] - before.count[k] : count[k];
    keys.push(k);
  }
  const rank = space.ranks();
  // Python's order: descending by (|sizeDiff|, size, |countDiff|, count, key).
  keys.sort(
    (a, b) =>
      Math.abs(sizeDiff[b]) - Math.abs(sizeDiff[a]) ||
      size[b] - size[a] ||
      Math.abs(countDiff[b]) - Math.abs(countDiff[a]) ||
      count[b] - count[a] ||
      rank[b] - rank[a],
  );
  return keys.map((k) => {
    const whole = partsOf(after, k, 0);
    const added = partsOf(after, k, addedOffset);
    const spread = { ...whole, ...changes(added, partsOf(before, k, 0), whole) };
    return new StatisticDiff(space.traceback(k), size[k], sizeDiff[k], count[k], countDiff[k], spread);
  });
}
