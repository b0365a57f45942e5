import { escapeControlChars } from './control-chars';
import { Frame } from './frame';
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
   * V8 records no other. Control characters in names and source lines are
   * escaped (`\x1b`): the lines are for a terminal.
   *
   * @param limit when positive, the `limit` most recent frames; when
   *   negative or 0, all but the `-limit` most recent frames (CPython's code
   *   slices `self[:limit]`, though its docs say "the abs(limit) oldest")
   * @param mostRecentFirst list the most recent frame first
   */
  format(limit?: number, mostRecentFirst = false): string[] {
    let frames: readonly Frame[] = this.frames;
    if (limit !== undefined) {
      frames = limit > 0 ? frames.slice(-limit) : frames.slice(0, limit);
    }
    if (mostRecentFirst) frames = [...frames].reverse();
    const lines: string[] = [];
    for (const frame of frames) {
      const file = escapeControlChars(frame.filename);
      lines.push(`  File "${file}", line ${frame.lineno}, in ${escapeControlChars(frame.functionName || '(anonymous)')}`);
      const line = sourceLine(frame.filename, frame.lineno);
      if (line !== '') lines.push(`    ${escapeControlChars(line)}`);
    }
    return lines;
  }

  /** The oldest frame as `filename:lineno`, as Python's `str(traceback)`. */
  toString(): string {
    return this.frames.length > 0 ? String(this.frames[0]) : '<empty traceback>';
  }
}
