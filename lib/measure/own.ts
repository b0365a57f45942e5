// Finds the frame a sample should be charged to in reports: the innermost
// one with a script, past builtins (Object.keys, a generator's next()),
// which have none. (The binding already leaves out samples whose innermost
// frame outside builtins and Node's own modules is this package's:
// native/profile_table.cc.)
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProfileTable } from '../table';

// lib/ (ts-jest) or dist/ (the build): this file sits one level below.
const PACKAGE_DIR = path.resolve(__dirname, '..');
const OWN_PREFIXES = [PACKAGE_DIR + path.sep, pathToFileURL(PACKAGE_DIR).href + '/'];

/** @internal True for a script of this package (its lib/ or dist/, as a path or a file URL). */
export function isOwnFile(file: string): boolean {
  return OWN_PREFIXES.some((prefix) => file.startsWith(prefix));
}

/**
 * @internal
 * Per stack row: the stack row of its innermost frame that has a script, or
 * -1 when none of its recorded frames has one (a pseudo frame such as
 * `(V8 API)`, or a builtin whose caller is past the recorded depth). Code
 * from `eval` or `new Function` has a script id but no name: it counts as
 * scripted. With `skipNodeInternals`, Node's own modules (`node:*`) are
 * passed over like builtins.
 */
export function scriptedStacks(table: ProfileTable, skipNodeInternals = false): Int32Array {
  const { stackFrame, stackParent, frameFile, frameScriptId, strings } = table;
  const UNKNOWN = -2;
  const result = new Int32Array(stackFrame.length).fill(UNKNOWN);
  const hasScript = (stack: number): boolean => {
    const frame = stackFrame[stack];
    const file = strings[frameFile[frame]];
    if (skipNodeInternals && file.startsWith('node:')) return false;
    return frameScriptId[frame] > 0 || file !== '';
  };
  for (let s = 0; s < stackFrame.length; s++) {
    if (result[s] !== UNKNOWN) continue;
    const unscripted: number[] = [];
    let cur = s;
    let found = -1;
    while (cur >= 0) {
      if (result[cur] !== UNKNOWN) {
        found = result[cur];
        break;
      }
      if (hasScript(cur)) {
        found = cur;
        result[cur] = cur;
        break;
      }
      unscripted.push(cur);
      cur = stackParent[cur];
    }
    for (const row of unscripted) result[row] = found;
  }
  return result;
}
