// Python's Snapshot.statistics() and compare_to() over the columnar
// ProfileTable: samples are summed per stack row in one pass over the typed
// arrays, keys are computed once per frame row / stack row, and objects are
// made only per distinct key (a JS object per sample is what made
// @datadog/pprof's heap.profile() 10-100x slower than a flat table).
import { Frame, UNKNOWN_FILENAME } from './frame';
import { formatCount, formatSize, roundForDisplay } from './format';
import type { Snapshot } from './snapshot';
import { childrenFirst, stackDepths } from './stack-depth';
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

/** Python's order of frames: (filename, lineno), then the function name, which only `function` keys can differ by alone. */
function compareFrames(x: Frame, y: Frame): number {
  return compareStrings(x.filename, y.filename) || x.lineno - y.lineno || compareStrings(x.functionName, y.functionName);
}

/**
 * One id per distinct single-frame key. Frames merged into one key (two
 * functions starting on one line, for `lineno`) keep the function name and
 * column only when they all agree ('' and 0 otherwise); so {@link frame} is
 * read only once every snapshot has been interned.
 */
class FrameKeys {
  private readonly ids = new Map<string, number>();
  private readonly filename: string[] = [];
  private readonly lineno: number[] = [];
  private readonly name: string[] = [];
  private readonly column: number[] = [];
  private readonly frames: (Frame | undefined)[] = [];

  constructor(private readonly keyType: 'filename' | 'lineno' | 'function') {}

  get size(): number {
    return this.filename.length;
  }

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
      id = this.filename.length;
      this.ids.set(text, id);
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
    const key = frameKey < 0x4000000 && parent < 0x7ffffff ? (parent + 1) * 0x4000000 + frameKey : `${parent},${frameKey}`;
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
    byParentThenFrame.sort((a, b) => this.parent[a] - this.parent[b] || frameRank[this.frameKey[a]] - frameRank[this.frameKey[b]]);
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
const UNKNOWN_FRAME = new Frame(UNKNOWN_FILENAME, 0, '', 0);

/**
 * The keys of the snapshots grouped together (one for statistics(), both
 * for compareTo()), so that equal keys of two snapshots get one id.
 */
class KeySpace {
  readonly frames: FrameKeys;
  readonly tracebacks = new TracebackKeys();
  private readonly tracebackOf: (Traceback | undefined)[] = [];

  constructor(readonly keyType: KeyType) {
    this.frames = new FrameKeys(keyType === 'traceback' ? 'lineno' : keyType);
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
    if (this.keyType !== 'traceback') return new Traceback([this.frames.frame(key)]);
    const { parent, frameKey } = this.tracebacks;
    const chain: number[] = [];
    let k = key;
    while (k >= 0 && this.tracebackOf[k] === undefined) {
      chain.push(k);
      k = parent[k];
    }
    let traceback = k >= 0 ? this.tracebackOf[k] : undefined;
    for (let i = chain.length - 1; i >= 0; i--) {
      traceback = Traceback.extend(traceback, this.frames.frame(frameKey[chain[i]]));
      this.tracebackOf[chain[i]] = traceback;
    }
    return traceback as Traceback;
  }
}

/** Bytes and objects per key id of a {@link KeySpace}; `used` where some trace has that key. */
interface KeyTotals {
  size: Float64Array;
  count: Float64Array;
  used: Uint8Array;
}

/** keyOfStack value of a row no trace is summed from. */
const NO_KEY = 0xffffffff;

/**
 * Python's `Snapshot._group_by` over the columns, into `space`'s keys. Cost
 * O(samples + stacks + frames), whatever the depth of the stacks: one pass
 * over the samples (three typed-array reads each); a key per frame row,
 * memoized; per used stack row, its key (for tracebacks, a trie node made
 * once per row from the outermost down); then one more pass summing rows
 * into keys. Objects are made per distinct key only, later.
 *
 * Cumulative mode counts every frame of each traceback, as CPython's
 * `_group_by` does: a function that recurs in one traceback counts once per
 * frame, so cumulative sizes can exceed the snapshot's total. It sums each
 * stack row's subtree (its traces and those of deeper stacks through it),
 * children before parents, and credits the row's key with it: the same sums
 * as walking every trace to its root, without the walk.
 */
function groupBy(snapshot: Snapshot, space: KeySpace, cumulative: boolean): KeyTotals {
  const t = snapshot.table;
  const { stackFrame, stackParent } = t;
  const nStacks = stackFrame.length;

  // 1. Totals per stack row. A sample whose stack is not a row (NO_STACK)
  // has no frames: it goes to the `<unknown>` key, as in Python. The one
  // per-sample pass runs in WebAssembly (lib/stack-totals.ts): in JS, under
  // the sampler at a small interval, it allocated 1.5 sampled HeapNumbers per trace.
  const totals = stackTotals(t.sampleStack, t.sampleSize, t.sampleCount, nStacks);
  let rowSize = totals.size.subarray(0, nStacks);
  let rowCount = totals.count.subarray(0, nStacks);
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
    const keyOfRow = new Int32Array(nStacks).fill(-1);
    const chain: number[] = [];
    for (let s = 0; s < nStacks; s++) {
      if (!rowUsed[s]) continue;
      // Key the unkeyed rows from the outermost down: each row once.
      let row = s;
      while (row >= 0 && keyOfRow[row] < 0) {
        chain.push(row);
        row = stackParent[row];
      }
      let key = row >= 0 ? keyOfRow[row] : -1;
      while (chain.length > 0) {
        const r = chain.pop() as number;
        key = space.tracebacks.intern(key, frameKey(stackFrame[r]));
        keyOfRow[r] = key;
      }
      keyOfStack[s] = keyOfRow[s];
    }
  } else if (!cumulative) {
    for (let s = 0; s < nStacks; s++) if (rowUsed[s]) keyOfStack[s] = frameKey(stackFrame[s]);
  } else {
    const subSize = Float64Array.from(rowSize);
    const subCount = Float64Array.from(rowCount);
    const subUsed = rowUsed.slice(0, nStacks);
    for (const r of childrenFirst(stackDepths(stackParent))) {
      const p = stackParent[r];
      if (p < 0 || !subUsed[r]) continue;
      subSize[p] += subSize[r];
      subCount[p] += subCount[r];
      subUsed[p] = 1;
    }
    for (let r = 0; r < nStacks; r++) if (subUsed[r]) keyOfStack[r] = frameKey(stackFrame[r]);
    rowSize = subSize;
    rowCount = subCount;
  }
  let looseKey = -1;
  if (rowUsed[nStacks]) {
    const unknown = space.frames.intern(UNKNOWN_FRAME);
    looseKey = space.keyType === 'traceback' ? space.tracebacks.intern(-1, unknown) : unknown;
  }

  // 4. Rows summed into keys by the same wasm pass; rows with NO_KEY land in the spare last slot.
  const capacity = space.size;
  const byKey = stackTotals(keyOfStack, rowSize, rowCount, capacity);
  const size = byKey.size.slice(0, capacity);
  const count = byKey.count.slice(0, capacity);
  const used = byKey.used.slice(0, capacity);
  if (looseKey >= 0) {
    size[looseKey] += totals.size[nStacks];
    count[looseKey] += totals.count[nStacks];
    used[looseKey] = 1;
  }
  return { size, count, used };
}

/**
 * Implements {@link Snapshot.statistics}: see there.
 * @internal
 */
export function statisticsOf(snapshot: Snapshot, keyType: KeyType, cumulative: boolean): Statistic[] {
  checkKeyType(keyType, cumulative);
  const space = new KeySpace(keyType);
  const { size, count, used } = groupBy(snapshot, space, cumulative);
  const rank = space.ranks();
  const keys: number[] = [];
  for (let k = 0; k < used.length; k++) if (used[k]) keys.push(k);
  // Python's order: descending by (size, count, key).
  keys.sort((a, b) => size[b] - size[a] || count[b] - count[a] || rank[b] - rank[a]);
  return keys.map((k) => new Statistic(space.traceback(k), size[k], count[k]));
}

/**
 * Implements {@link Snapshot.compareTo}: see there. Both snapshots are
 * grouped into one {@link KeySpace}: equal keys are equal ids.
 * @internal
 */
export function compareSnapshots(
  current: Snapshot,
  old: Snapshot,
  keyType: KeyType,
  cumulative: boolean,
): StatisticDiff[] {
  checkKeyType(keyType, cumulative);
  const space = new KeySpace(keyType);
  const before = groupBy(old, space, cumulative);
  const after = groupBy(current, space, cumulative);
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
  return keys.map((k) => new StatisticDiff(space.traceback(k), size[k], sizeDiff[k], count[k], countDiff[k]));
}
