import { fileURLToPath } from 'node:url';
import { escapeControlChars } from '../helpers/control-chars';

/** Names V8 gives to samples taken with no JS function on the stack. */
export const PSEUDO_FRAMES: ReadonlySet<string> = new Set([
  '(V8 API)',
  '(GC)',
  '(EXTERNAL)',
  '(JS)',
  '(BYTECODE_COMPILER)',
  '(COMPILER)',
  '(OTHER)',
  '(PARSER)',
  '(LOGGING)',
  '(IDLE)',
  '(IDLE_EXTERNAL)',
  '(ATOMICS_WAIT)',
  '(root)',
  '(program)',
]);

/** Filename of frames with no script (builtins such as the `Uint8Array` constructor), as in Python. */
export const UNKNOWN_FILENAME = '<unknown>';

/** What {@link Frame} takes beside its position and name. */
export interface FrameOptions {
  /** The frame has no script: a builtin such as `split` (default false). */
  builtin?: boolean;
  /** In a statistic's key: the builtin this frame called that made the allocations (default ''). */
  calledBuiltin?: string;
}

/**
 * What a report's function column says: `split (builtin) in parseLine` for
 * allocations a builtin made for its caller, `split (builtin)` for a builtin's
 * own frame, else the function name.
 *
 * @example functionLabel('parseLine', false, 'split') // "split (builtin) in parseLine"
 */
export function functionLabel(functionName: string, builtin: boolean, calledBuiltin: string): string {
  if (builtin) return `${functionName || '(anonymous)'} (builtin)`;
  if (calledBuiltin === '') return functionName;
  return functionName === '' ? `${calledBuiltin} (builtin)` : `${calledBuiltin} (builtin) in ${functionName}`;
}

/**
 * One frame of a traceback.
 *
 * **`lineno` is the line where the function starts**, not the line that
 * allocated: V8's sampler records each function's start position only. Two
 * allocation sites in one function share a frame.
 *
 * @example
 * const frame = new Frame('app.js', 12, 'getData');
 * String(frame); // "app.js:12"
 */
export class Frame {
  /** Script path (file URLs of ES modules are turned into paths), a pseudo frame's name, or `<unknown>`. */
  readonly filename: string;
  /** 1-based line of the function's start (0 when unknown). */
  readonly lineno: number;
  /** 1-based column of the function's start (0 when unknown). */
  readonly column: number;
  /** Function name; `(anonymous)` for anonymous functions; `(V8 API)` and such for pseudo frames. */
  readonly functionName: string;
  /**
   * True for a frame without a script: a builtin such as `split` or
   * `Array.prototype.map` (`filename` is `<unknown>`, line 0). Statistics by
   * line, file or function charge its allocations to the nearest caller
   * with a script; tracebacks and exports keep it.
   */
  readonly builtin: boolean;
  /**
   * In the key of a `'lineno'` or `'function'` statistic: the builtin this
   * frame called that made the allocations (`'split'`), when all of the
   * statistic's traces went through the same one; '' otherwise.
   */
  readonly calledBuiltin: string;

  constructor(filename: string, lineno: number, functionName = '', column = 0, options?: FrameOptions) {
    this.filename = filename;
    this.lineno = lineno;
    this.column = column;
    this.functionName = functionName;
    this.builtin = options?.builtin === true;
    this.calledBuiltin = options?.calledBuiltin ?? '';
  }

  /** The function column of reports: `split (builtin) in parseLine`, `split (builtin)`, or the function name. */
  get functionLabel(): string {
    return functionLabel(this.functionName, this.builtin, this.calledBuiltin);
  }

  /**
   * Builds a frame from V8's raw fields: file URLs become paths, frames with
   * no script get `<unknown>` (line 0), pseudo frames keep their V8 name as
   * filename and function name. `scriptId` 0 with no script name is a
   * builtin; a script without a name (eval code, a freed script) has an id.
   */
  static fromV8(scriptName: string, name: string, line: number, column: number, scriptId = 0): Frame {
    if (scriptName === '') {
      if (PSEUDO_FRAMES.has(name)) return new Frame(name, 0, name, 0);
      return new Frame(UNKNOWN_FILENAME, 0, name === '' ? '(anonymous)' : name, 0, { builtin: scriptId <= 0 });
    }
    let filename = scriptName;
    if (scriptName.startsWith('file://')) {
      try {
        filename = fileURLToPath(scriptName);
      } catch {
        // Keep a URL Node cannot turn into a path as it is.
      }
    }
    return new Frame(filename, Math.max(line, 0), name === '' ? '(anonymous)' : name, Math.max(column, 0));
  }

  /** `filename:lineno`, as Python prints a frame; control characters in the name escaped (`\x1b`). */
  toString(): string {
    return `${escapeControlChars(this.filename)}:${this.lineno}`;
  }

  /** True when both frames name the same file, line and function. */
  equals(other: Frame): boolean {
    return this.filename === other.filename && this.lineno === other.lineno && this.functionName === other.functionName;
  }
}
