// Consistency of a table: what makes a snapshot safe to walk. Run on every
// load (a dump is untrusted input: a wrong index would read `undefined` or
// loop forever in Snapshot.traceback) and on every dump (so we never write a
// file we would refuse to read).
import type { ProfileTable } from '../table';
import { COLUMNS, type ColumnKind } from './layout';

import { NO_STACK } from '../../helpers/constants';

export { NO_STACK };

const TAG: Readonly<Record<ColumnKind, string>> = { u32: 'Uint32Array', i32: 'Int32Array', f64: 'Float64Array' };
const ARTICLE: Readonly<Record<ColumnKind, string>> = { u32: 'a', i32: 'an', f64: 'a' };
/** The largest size or count a sample may hold (2^53). */
const MAX_FIGURE = 2 ** 53;

/**
 * The first problem with the shape of `table` (column types and lengths), or
 * undefined. Only the writer needs it: the reader builds columns itself.
 */
export function shapeProblem(table: ProfileTable): string | undefined {
  if (!Array.isArray(table.strings)) return 'table.strings is not an array';
  for (let i = 0; i < table.strings.length; i++) {
    if (typeof table.strings[i] !== 'string') return `table.strings[${i}] is not a string`;
  }
  const lengths: Record<string, number> = {};
  for (const { name, kind, rows } of COLUMNS) {
    const column: unknown = table[name];
    // toStringTag, not instanceof: typed arrays from another realm (vm) are fine.
    const tag = ArrayBuffer.isView(column) ? (column as Uint8Array)[Symbol.toStringTag] : undefined;
    if (tag !== TAG[kind]) return `table.${name} is not ${ARTICLE[kind]} ${TAG[kind]}`;
    const length = (column as Uint8Array).length;
    if (lengths[rows] === undefined) lengths[rows] = length;
    else if (lengths[rows] !== length) return `table.${name} has ${length} rows, its sibling columns ${lengths[rows]}`;
  }
  return undefined;
}

/** The first broken reference or impossible value in `table`, or undefined. */
export function contentProblem(table: ProfileTable): string | undefined {
  const strings = table.strings.length;
  const { frameName, frameFile, stackFrame, stackParent, sampleStack, sampleSize, sampleCount, sampleId } = table;
  const frames = frameName.length;
  for (let f = 0; f < frames; f++) {
    if (frameName[f] >= strings) return `frame ${f} names string ${frameName[f]}, past the ${strings} strings`;
    if (frameFile[f] >= strings) return `frame ${f} has file string ${frameFile[f]}, past the ${strings} strings`;
  }
  const stacks = stackFrame.length;
  for (let s = 0; s < stacks; s++) {
    if (stackFrame[s] >= frames) return `stack ${s} points to frame ${stackFrame[s]}, past the ${frames} frames`;
    const parent = stackParent[s];
    if (parent < -1 || parent >= stacks) return `stack ${s} has parent ${parent}, outside [-1; ${stacks})`;
    // Parents first (lib/model/stack-walk.ts): every walk is then a forward loop,
    // and no parent chain can loop.
    if (parent >= s) return `stack ${s} has parent ${parent}, not a row before it (a stack's parent comes first)`;
  }
  const samples = sampleStack.length;
  for (let i = 0; i < samples; i++) {
    const stack = sampleStack[i];
    if (stack >= stacks && stack !== NO_STACK) return `sample ${i} points to stack ${stack}, past the ${stacks} stacks`;
    // !(x >= 0) also catches NaN; these feed sums, sorts and the error bars'
    // variances (squares of sizes), which must stay finite: no heap holds
    // 2^53 bytes or objects, so a larger figure is corruption.
    const size = sampleSize[i];
    if (!(size >= 0 && size <= MAX_FIGURE)) return `sample ${i} has size ${size}, not a number in [0, 2^53]`;
    const count = sampleCount[i];
    if (!(count >= 0 && count <= MAX_FIGURE)) return `sample ${i} has count ${count}, not a number in [0, 2^53]`;
    const id = sampleId[i];
    if (!(id >= 0 && Number.isSafeInteger(id))) return `sample ${i} has id ${id}, not a safe integer ≥ 0`;
  }
  return undefined;
}
