// Which frame a trace is charged to: the nearest one with a script, as Python
// charges what a C function allocates to the Python line that called it.
// Builtins (`split`, `map`, `new Map`, `set`, an iterator's `next`) have no
// script; V8 records their frames in front of their caller's (the addon
// records a few frames more than the traceback limit to reach it, see
// native/sampler.h), and every grouping by frame looks past them.
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
 * The nearest scripted frame of every stack row, and the builtin it called.
 * Each row is visited once (a chain per unresolved run, no recursion).
 * With `skipNodeInternals`, Node's own modules (`node:*`) are passed over
 * like builtins (measure() charges to the user's code).
 */
export function attributeStacks(table: ProfileTable, skipNodeInternals = false): StackAttribution {
  const { stackFrame, stackParent, frameFile, strings } = table;
  const UNKNOWN = -2;
  const scripted = new Int32Array(stackFrame.length).fill(UNKNOWN);
  const callee = new Int32Array(stackFrame.length).fill(-1);
  const hasScript = (stack: number): boolean => {
    const frame = stackFrame[stack];
    if (skipNodeInternals && strings[frameFile[frame]].startsWith('node:')) return false;
    return !isScriptless(table, frame);
  };
  const chain: number[] = [];
  for (let s = 0; s < stackFrame.length; s++) {
    if (scripted[s] !== UNKNOWN) continue;
    chain.length = 0;
    let found = -1;
    let outer = -1; // the chain's row called by `found`
    for (let cur = s; cur >= 0; cur = stackParent[cur]) {
      if (scripted[cur] !== UNKNOWN) {
        found = scripted[cur];
        outer = found === cur ? (chain.length > 0 ? chain[chain.length - 1] : -1) : callee[cur];
        break;
      }
      if (hasScript(cur)) {
        found = cur;
        scripted[cur] = cur;
        outer = chain.length > 0 ? chain[chain.length - 1] : -1;
        break;
      }
      chain.push(cur);
    }
    for (let i = 0; i < chain.length; i++) {
      scripted[chain[i]] = found;
      callee[chain[i]] = found >= 0 ? outer : -1;
    }
  }
  return { scripted, callee };
}
