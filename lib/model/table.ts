// The interned, columnar form of a snapshot: what the binding returns, what
// dumps store and what statistics walk. Plain data: no binary needed.

/**
 * Interned columns, one entry per row index: strings, frames, stacks (a
 * whole stack is one integer, its innermost row) and samples. A stack row's
 * parent always comes before it (`stackParent[row] < row`): every builder
 * interns a stack from its outermost frame in, and dumps that break this are
 * refused on load. Walks of the stacks rely on it (lib/model/stack-walk.ts).
 */
export interface ProfileTable {
  /** Every function and script name, once. */
  strings: string[];
  /** Frame row: its function name (an index into `strings`). */
  frameName: Uint32Array;
  /** Frame row: its script name (an index into `strings`). */
  frameFile: Uint32Array;
  /** Frame row: its line, 1-based (0 unknown). */
  frameLine: Int32Array;
  /** Frame row: the function's start column, 1-based (0 unknown). */
  frameColumn: Int32Array;
  /** Frame row: V8's script id (0 when not from V8). */
  frameScriptId: Int32Array;
  /** Frame row: the function's start offset in its script (0 when not from V8). */
  frameStart: Int32Array;
  /** Stack row: its frame row. */
  stackFrame: Uint32Array;
  /** Stack row: the calling stack row (always a row before it), -1 for the outermost recorded frame. */
  stackParent: Int32Array;
  /** Sample row: its innermost stack row. */
  sampleStack: Uint32Array;
  /** Sample row: bytes (an estimate when sampled). */
  sampleSize: Float64Array;
  /** Sample row: objects (an estimate when sampled). */
  sampleCount: Float64Array;
  /** Sample row: V8's time-ordered sample id, 0 when unknown. */
  sampleId: Float64Array;
  /** Sample row: the thread (domain) it was allocated on. */
  sampleDomain: Uint32Array;
}

/** A frame as plain data, as `Snapshot.fromTraces` takes it. */
export interface FrameData {
  /** The script's path or URL. */
  filename: string;
  /** 1-based line (0 unknown). */
  lineno: number;
  /** The function's name; empty or absent for an anonymous one. */
  functionName?: string;
  /** The function's start column, 1-based (0 or absent unknown). */
  column?: number;
  /** A frame without a script (a builtin such as `split`); its filename is then not stored. */
  builtin?: boolean;
}

/** Strings interned in order of first sight: `add` gives each string's one index into `values`. @internal */
export class StringInterner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  add(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/**
 * Builds a {@link ProfileTable} row by row, interning strings, frames and
 * stacks, for snapshots made from plain data (`Snapshot.fromTraces`, loaders).
 */
export class TableBuilder {
  private readonly strings = new StringInterner();
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

  /** Row of a frame, added once per (file, line, column, function). */
  frame(frame: FrameData): number {
    const name = this.strings.add(frame.functionName ?? '');
    // No script: an empty file name, as V8 gives builtins (lib/model/attribution.ts).
    const file = this.strings.add(frame.builtin === true ? '' : frame.filename);
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
      strings: this.strings.values,
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
