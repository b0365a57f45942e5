// Which frame a trace is charged to: the nearest one with a script, as Python
// charges what a C function allocates to the Python line that called it.
// Builtins (`split`, `map`, `new Map`, `set`, an iterator's `next`) have no
// script; V8 records their frames in front of their caller's (the addon
// records a few frames more than the traceback limit to reach it, see
// native/sampler.h), and every grouping by frame looks past them.
import { parentsFirst } from './stack-walk';
import type { ProfileTable } from './table';

/**
 * True for a frame row without a script: a builtin, or one of V8's pseudo
 * frames (`(V8 API)`, ...). Code from `eval` or `new Function` has a script
 * id but no name, and a freed script keeps its id: both count as scripted.
 * Tables made from plain data have no script ids: there a frame with an
 * empty filename is the one without a script.
 * @internal
 */
export function isScriptless(table: ProfileTable, frame: number): boolean {
  return table.frameScriptId[frame] <= 0 && table.strings[table.frameFile[frame]] === '';
}

/** Per stack row, where its traces are charged; see {@link attributeStacks}. */
export interface StackAttribution {
  /**
   * The stack row of the nearest frame with a script, the row itself
   * included; -1 when none of its recorded frames has one (a pseudo frame
   * alone, or builtins whose caller lies past the recorded depth).
   */
  readonly scripted: Int32Array;
  /**
   * The frame without a script that the scripted frame called, when the
   * row's own frame has none (`split` for `parseLine → split`; the outermost
   * of a run such as `Promise.all → then`); -1 otherwise.
   */
  readonly callee: Int32Array;
}

/**
 * @internal
 * The nearest scripted frame of every stack row, and the builtin it called:
 * one forward pass, each row from its caller's answer (lib/model/stack-walk.ts).
 * With `skipNodeInternals`, Node's own modules (`node:*`) are passed over
 * like builtins (measure() charges to the user's code).
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` when a row's parent does not come before it (a hand-made table)
 */
export function attributeStacks(table: ProfileTable, skipNodeInternals = false): StackAttribution {
  const { stackFrame, stackParent, frameFile, strings } = table;
  const scripted = new Int32Array(stackFrame.length);
  const callee = new Int32Array(stackFrame.length);
  parentsFirst(stackParent, (row, p) => {
    const frame = stackFrame[row];
    const hasScript =
      !isScriptless(table, frame) && !(skipNodeInternals && strings[frameFile[frame]].startsWith('node:'));
    if (hasScript) {
      scripted[row] = row;
      callee[row] = -1;
    } else if (p < 0) {
      scripted[row] = -1;
      callee[row] = -1;
    } else {
      // Charged where the caller is; the builtin called is the outermost of
      // the run: this row when the caller has a script, else the caller's.
      scripted[row] = scripted[p];
      callee[row] = scripted[p] < 0 ? -1 : scripted[p] === p ? row : callee[p];
    }
  });
  return { scripted, callee };
}
