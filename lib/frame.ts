import { fileURLToPath } from 'node:url';
import { escapeControlChars } from './control-chars';

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

  constructor(filename: string, lineno: number, functionName = '', column = 0) {
    this.filename = filename;
    this.lineno = lineno;
    this.column = column;
    this.functionName = functionName;
  }

  /**
   * Builds a frame from V8's raw fields: file URLs become paths, frames with
   * no script get `<unknown>` (line 0), pseudo frames keep their V8 name as
   * filename and function name.
   */
  static fromV8(scriptName: string, name: string, line: number, column: number): Frame {
    if (scriptName === '') {
      if (PSEUDO_FRAMES.has(name)) return new Frame(name, 0, name, 0);
      return new Frame(UNKNOWN_FILENAME, 0, name === '' ? '(anonymous)' : name, 0);
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
