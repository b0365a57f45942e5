import { functionLabel, type Frame } from './frame';
import { sourceLine } from './source-lines';

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
  private readonly frames: readonly Frame[];

  /** @param frames oldest first, most recent last */
  constructor(frames: readonly Frame[]) {
    this.frames = Object.freeze([...frames]);
  }

  get length(): number {
    return this.frames.length;
  }

  /** Frame at `index`; negative indexes count from the most recent frame. */
  at(index: number): Frame | undefined {
    return this.frames.at(index);
  }

  [Symbol.iterator](): Iterator<Frame> {
    return this.frames[Symbol.iterator]();
  }

  /** The frames as an array, oldest first. */
  toArray(): Frame[] {
    return [...this.frames];
  }

  /**
   * Lines like Python's `Traceback.format()`, plus the function name:
   * `  File "app.js", line 12, in getData` then the source line, indented,
   * when the file can be read. The line shown is the function's start line:
   * V8 records no other. Builtins that allocated for the frame that called
   * them (the most recent frames, without a script) are folded into their
   * caller's line, as Python never shows C frames:
   * `  File "parse.js", line 3, in split (builtin) in parseLine`.
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
      lines.push(`  File "${frame.filename}", line ${frame.lineno}, in ${label || '(anonymous)'}`);
      const line = sourceLine(frame.filename, frame.lineno);
      if (line !== '') lines.push(`    ${line}`);
    }
    return lines;
  }

  /** The frames as format() shows them, oldest first: the trailing builtins folded into their caller. */
  private entries(): { frame: Frame; label: string }[] {
    let scripted = this.frames.length - 1;
    while (scripted >= 0 && this.frames[scripted].builtin) scripted--;
    const entries = this.frames.map((frame) => ({ frame, label: frame.functionLabel }));
    if (scripted < 0 || scripted === this.frames.length - 1) return entries;
    const caller = this.frames[scripted];
    const callee = this.frames[scripted + 1].functionName;
    return [
      ...entries.slice(0, scripted),
      { frame: caller, label: functionLabel(caller.functionName || '(anonymous)', false, callee) },
    ];
  }

  /** The oldest frame as `filename:lineno`, as Python's `str(traceback)`. */
  toString(): string {
    return this.frames.length > 0 ? String(this.frames[0]) : '<empty traceback>';
  }
}
