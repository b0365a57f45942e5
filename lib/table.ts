// The interned, columnar form of a snapshot: what the binding returns, what
// dumps store and what statistics walk. Plain data: no binary needed.

/**
 * Interned columns (one entry per row index):
 * - `strings`: every function and script name, once.
 * - frames: `frameName`/`frameFile` index `strings`; `frameLine`,
 *   `frameColumn` (1-based function start; 0 unknown), `frameScriptId`,
 *   `frameStart` (V8 script id and start offset; 0 when not from V8).
 * - stacks: `stackFrame` (a frame row), `stackParent` (the calling stack
 *   row, -1 for the outermost recorded frame): a whole stack is one integer.
 *   A row's parent always comes before it (`stackParent[row] < row`): every
 *   builder interns a stack from its outermost frame in, and dumps that break
 *   this are refused on load. Walks of the stacks rely on it
 *   (lib/stack-walk.ts).
 * - samples: `sampleStack` (innermost stack row), `sampleSize` (bytes),
 *   `sampleCount` (objects; both estimates when sampled), `sampleId` (V8's
 *   time-ordered id, 0 when unknown), `sampleDomain` (thread id).
 */
export interface ProfileTable {
  strings: string[];
  frameName: Uint32Array;
  frameFile: Uint32Array;
  frameLine: Int32Array;
  frameColumn: Int32Array;
  frameScriptId: Int32Array;
  frameStart: Int32Array;
  stackFrame: Uint32Array;
  stackParent: Int32Array;
  sampleStack: Uint32Array;
  sampleSize: Float64Array;
  sampleCount: Float64Array;
  sampleId: Float64Array;
  sampleDomain: Uint32Array;
}

/** A frame as plain data, for {@link TableBuilder}. */
export interface FrameData {
  filename: string;
  lineno: number;
  functionName?: string;
  column?: number;
  /** A frame without a script (a builtin such as `split`); its filename is then not stored. */
  builtin?: boolean;
}

/**
 * Builds a {@link ProfileTable} row by row, interning strings, frames and
 * stacks, for snapshots made from plain data (`Snapshot.fromTraces`, loaders).
 */
export class TableBuilder {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly frameIndex = new Map<string, number>();
  private readonly stackIndex = new Map<string, number>();
  private readonly frames = {
    name: [] as number[],
    file: [] as number[],
    line: [] as number[],
    column: [] as number[],
  };
  private readonly stacks = { frame: [] as number[], parent: [] as number[] };
  private readonly samples = {
    stack: [] as number[],
    size: [] as number[],
    count: [] as number[],
    id: [] as number[],
    domain: [] as number[],
  };

  private intern(s: string): number {
    let index = this.stringIndex.get(s);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, index);
    }
    return index;
  }

  /** Row of a frame, added once per (file, line, column, function). */
  frame(frame: FrameData): number {
    const name = this.intern(frame.functionName ?? '');
    // No script: an empty file name, as V8 gives builtins (lib/attribution.ts).
    const file = this.intern(frame.builtin === true ? '' : frame.filename);
    const line = frame.lineno;
    const column = frame.column ?? 0;
    const key = `${file}:${line}:${column}:${name}`;
    let index = this.frameIndex.get(key);
    if (index === undefined) {
      index = this.frames.name.length;
      this.frames.name.push(name);
      this.frames.file.push(file);
      this.frames.line.push(line);
      this.frames.column.push(column);
      this.frameIndex.set(key, index);
    }
    return index;
  }

  /**
   * Row of the stack whose frames are `frames`, **most recent first**;
   * -1 for an empty stack.
   */
  stack(frames: readonly FrameData[]): number {
    let parent = -1;
    for (let i = frames.length - 1; i >= 0; i--) parent = this.callee(parent, frames[i]);
    return parent;
  }

  /**
   * Row of the stack `frame` called from stack row `parent` (-1: `frame`
   * alone). A new row comes after its parent, as every table's rows do.
   */
  callee(parent: number, frame: FrameData): number {
    const row = this.frame(frame);
    const key = `${row}:${parent}`;
    let index = this.stackIndex.get(key);
    if (index === undefined) {
      index = this.stacks.frame.length;
      this.stacks.frame.push(row);
      this.stacks.parent.push(parent);
      this.stackIndex.set(key, index);
    }
    return index;
  }

  sample(stack: number, size: number, count: number, domain: number, id = 0): void {
    this.samples.stack.push(stack);
    this.samples.size.push(size);
    this.samples.count.push(count);
    this.samples.id.push(id);
    this.samples.domain.push(domain);
  }

  build(): ProfileTable {
    const frameCount = this.frames.name.length;
    return {
      strings: this.strings,
      frameName: Uint32Array.from(this.frames.name),
      frameFile: Uint32Array.from(this.frames.file),
      frameLine: Int32Array.from(this.frames.line),
      frameColumn: Int32Array.from(this.frames.column),
      frameScriptId: new Int32Array(frameCount),
      frameStart: new Int32Array(frameCount),
      stackFrame: Uint32Array.from(this.stacks.frame),
      stackParent: Int32Array.from(this.stacks.parent),
      sampleStack: Uint32Array.from(this.samples.stack),
      sampleSize: Float64Array.from(this.samples.size),
      sampleCount: Float64Array.from(this.samples.count),
      sampleId: Float64Array.from(this.samples.id),
      sampleDomain: Uint32Array.from(this.samples.domain),
    };
  }
}
