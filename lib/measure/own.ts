// Leaves this package's own allocations out of measure's snapshots, and finds
// the frame a sample should be charged to in reports.
//
// The binding drops samples whose innermost frame is in this package, but
// when our code calls something that allocates on its behalf, the innermost
// frame is not ours: a JS builtin (Object.keys in option checks, a
// generator's next() between measuring steps), which has no script and shows
// as an unnamed file, or Node's own JS (the promise hooks of async_hooks run
// on every promise our await creates, when an AsyncLocalStorage or a test
// runner has enabled them). What decides here is the innermost frame that is
// neither: if it is ours, the sample is ours.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Snapshot } from '../snapshot';
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

/**
 * @internal
 * The snapshot without the samples whose innermost frame outside builtins
 * and Node's internals is this package's.
 */
export function withoutOwnSamples(snapshot: Snapshot): Snapshot {
  const t = snapshot.table;
  const scripted = scriptedStacks(t, true);
  const own = new Uint8Array(scripted.length);
  for (let s = 0; s < scripted.length; s++) {
    const row = scripted[s];
    own[s] = row >= 0 && isOwnFile(t.strings[t.frameFile[t.stackFrame[row]]]) ? 1 : 0;
  }
  const keep: number[] = [];
  for (let i = 0; i < t.sampleStack.length; i++) {
    const stack = t.sampleStack[i];
    if (stack >= own.length || own[stack] === 0) keep.push(i);
  }
  if (keep.length === t.sampleStack.length) return snapshot;
  const pick = <A extends Float64Array | Uint32Array>(column: A, make: (n: number) => A): A => {
    const out = make(keep.length);
    keep.forEach((row, i) => {
      out[i] = column[row];
    });
    return out;
  };
  const table: ProfileTable = {
    ...t,
    sampleStack: pick(t.sampleStack, (n) => new Uint32Array(n)),
    sampleSize: pick(t.sampleSize, (n) => new Float64Array(n)),
    sampleCount: pick(t.sampleCount, (n) => new Float64Array(n)),
    sampleId: pick(t.sampleId, (n) => new Float64Array(n)),
    sampleDomain: pick(t.sampleDomain, (n) => new Uint32Array(n)),
  };
  return new Snapshot(table, { tracebackLimit: snapshot.tracebackLimit, interval: snapshot.interval, timestamp: snapshot.timestamp });
}
