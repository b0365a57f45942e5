import { escapeControlChars } from '../helpers/control-chars';
import { functionLabel, type Frame } from './frame';
import { sourceLine } from './source-lines';

// What extend() passes to the constructor: no array copied for a traceback
// whose frames are then replaced by a link (one per stack row or key).
const LINKED: readonly Frame[] = Object.freeze([]);

/**
 * The frames of one allocation's call stack, **oldest first**, most recent
 * last (like Python's `Traceback`). Iterable and indexable (`at(-1)` is the
 * frame that allocated). Holds at most the traceback limit given to
 * `start()`: V8 drops the outermost frames of deeper stacks.
 *
 * @example
 * for (const frame of trace.traceback) console.log(String(frame));
 * console.log(trace.traceback.format().join('\n'));
 */
export class Traceback implements Iterable<Frame> {
  // Either the frames themselves (made by the constructor), or a link to the
  // traceback of the calling stack plus the most recent frame (made by
  // {@link Traceback.extend} for snapshots): tracebacks that share callers
  // share them, so a snapshot's tracebacks cost O(stacks), not O(stacks ×
  // depth), with stacks 65,535 frames deep. The frames of a linked one are
  // gathered only when iterated, and not kept.
  private frames: readonly Frame[] | undefined;
  private caller: Traceback | undefined;
  private recent: Frame | undefined;
  private oldest: Frame | undefined;
  private size = 0;

  /** @param frames oldest first, most recent last */
  constructor(frames: readonly Frame[]) {
    this.frames = frames === LINKED ? LINKED : Object.freeze([...frames]);
    this.size = this.frames.length;
    this.recent = this.frames.at(-1);
    this.oldest = this.frames[0];
  }

  /**
   * `caller`'s frames plus `frame` as the most recent, sharing `caller`
   * (undefined: `frame` alone). O(1).
   * @internal
   */
  static extend(caller: Traceback | undefined, frame: Frame): Traceback {
    const traceback = new Traceback(LINKED);
    traceback.frames = undefined;
    traceback.caller = caller;
    traceback.recent = frame;
    traceback.oldest = caller === undefined ? frame : caller.oldest;
    traceback.size = (caller?.size ?? 0) + 1;
    return traceback;
  }

  /** How many frames. */
  get length(): number {
    return this.size;
  }

  /** Frame at `index`; negative indexes count from the most recent frame. O(1) for the oldest and most recent. */
  at(index: number): Frame | undefined {
    const n = Math.trunc(Number(index)) || 0; // as Array.prototype.at: NaN is 0
    const i = n < 0 ? this.size + n : n;
    if (!(i >= 0 && i < this.size)) return undefined;
    if (i === this.size - 1) return this.recent;
    if (i === 0) return this.oldest;
    if (this.frames !== undefined) return this.frames[i];
    // Walk from the most recent frame towards the oldest: no array made.
    let t = this.caller as Traceback;
    for (let steps = this.size - 2 - i; steps > 0; steps--) {
      if (t.frames !== undefined) return t.frames[i];
      t = t.caller as Traceback;
    }
    return t.frames !== undefined ? t.frames[i] : t.recent;
  }

  /** The frames, oldest first. */
  [Symbol.iterator](): Iterator<Frame> {
    return this.all()[Symbol.iterator]();
  }

  /** The frames as an array, oldest first. */
  toArray(): Frame[] {
    return [...this.all()];
  }

  private all(): readonly Frame[] {
    if (this.frames !== undefined) return this.frames;
    const frames = new Array<Frame>(this.size);
    frames[this.size - 1] = this.recent as Frame;
    let t = this.caller;
    let i = this.size - 2;
    while (t !== undefined && t.frames === undefined) {
      frames[i--] = t.recent as Frame;
      t = t.caller;
    }
    if (t !== undefined) for (let j = 0; j <= i; j++) frames[j] = t.frames![j];
    return frames;
  }

  /**
   * Lines like Python's `Traceback.format()`, plus the function name:
   * `  File "app.js", line 12, in getData` then the source line, indented,
   * when the file can be read. The line shown is the function's start line:
   * V8 records no other. Builtins that allocated for the frame that called
   * them (the most recent frames, without a script) are folded into their
   * caller's line, as Python never shows C frames:
   * `  File "parse.js", line 3, in split (builtin) in parseLine`.
   * Control characters in names and source lines are escaped (`\x1b`): the
   * lines are for a terminal.
   *
   * @param limit when positive, the `limit` most recent lines; when
   *   negative or 0, all but the `-limit` most recent lines (CPython's code
   *   slices `self[:limit]`, though its docs say "the abs(limit) oldest")
   * @param mostRecentFirst list the most recent frame first
   */
  format(limit?: number, mostRecentFirst = false): string[] {
    let entries = this.entries();
    if (limit !== undefined) {
      entries = limit > 0 ? entries.slice(-limit) : entries.slice(0, limit);
    }
    if (mostRecentFirst) entries = [...entries].reverse();
    const lines: string[] = [];
    for (const { frame, label } of entries) {
      const file = escapeControlChars(frame.filename);
      lines.push(`  File "${file}", line ${frame.lineno}, in ${escapeControlChars(label || '(anonymous)')}`);
      const line = sourceLine(frame.filename, frame.lineno);
      if (line !== '') lines.push(`    ${escapeControlChars(line)}`);
    }
    return lines;
  }

  /**
   * Index of the most recent frame with a script, which builtins after it
   * allocated for (Python never shows C frames); -1 when there is none.
   */
  scriptedIndex(): number {
    const frames = this.all();
    let scripted = frames.length - 1;
    while (scripted >= 0 && frames[scripted].builtin) scripted--;
    return scripted;
  }

  /** The frames as format() shows them, oldest first: the trailing builtins folded into their caller. */
  private entries(): { frame: Frame; label: string }[] {
    const frames = this.all();
    const scripted = this.scriptedIndex();
    const entries = frames.map((frame) => ({ frame, label: frame.functionLabel }));
    if (scripted < 0 || scripted === frames.length - 1) return entries;
    const caller = frames[scripted];
    const callee = frames[scripted + 1].functionName;
    return [
      ...entries.slice(0, scripted),
      { frame: caller, label: functionLabel(caller.functionName || '(anonymous)', false, callee) },
    ];
  }

  /** The oldest frame as `filename:lineno`, as Python's `str(traceback)`. */
  toString(): string {
    return this.oldest !== undefined ? String(this.oldest) : '<empty traceback>';
  }
}
