// Limits of what an export or report writes. Most of them are trees of the
// stacks (heapprofile, flame graph) and grow with the table; but JSON,
// pprof and collapsed stacks list every trace's frames in full, so their
// size is the sum of the depths of the traces: 2.1 billion frames for one
// 65,535-frame stack with a sample on every row, a 130 KB dump. Each export
// computes its size first, in O(stacks), and refuses with a coded error past
// a limit, instead of running for minutes into V8's out-of-memory abort.
import { constants as bufferConstants } from 'node:buffer';
import { TracemallocError } from '../../helpers/errors';
import type { ProfileTable } from '../../model/table';
import { parentsFirst } from '../../model/stack-walk';

/** The longest string V8 makes (2^29 - 24 characters on 64-bit): the limit of every text export. */
export const MAX_TEXT_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/**
 * Frame references a pprof may hold: 2^24 (16.8 million). pprof-format
 * keeps each as a JS number until encoded, about 20 bytes each at peak
 * (measured: 10 million took 220 MB of RSS), so the limit keeps an export
 * under about 350 MB.
 */
export const MAX_PPROF_FRAMES = 2 ** 24;

/**
 * Frames a `top`/`diff`/`run` report may list (2^20, about a million
 * lines): `--key traceback` shows every frame of each site shown.
 */
export const MAX_REPORT_FRAMES = 2 ** 20;

/** What to do instead, for the exports that list frames per trace. */
export const PER_TRACE_ADVICE =
  'heapprofile and the flame graph draw the same traces as a tree, which grows with the stacks, not their depth; ' +
  'or keep fewer frames (filterTraces, a lower traceback limit)';

/** The coded error of an output past its limit; `what` says what it would have been. */
export function outputTooLarge(format: string, what: string, advice: string): TracemallocError {
  return new TracemallocError(
    'ERR_TRACEMALLOC_OUTPUT_TOO_LARGE',
    `the ${format} of this snapshot would be ${what}: ${advice}`,
  );
}

/** Thousands separated, for the figures in those messages. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Per stack row, the frames on its path (its depth) and the sum of
 * `width(frame row)` over them. Parents before children, each row once.
 */
export function pathWidths(
  table: ProfileTable,
  width: (frameRow: number) => number,
): { depth: Uint32Array; width: Float64Array } {
  const depth = new Uint32Array(table.stackParent.length);
  const sum = new Float64Array(depth.length);
  parentsFirst(table.stackParent, (row, p) => {
    depth[row] = p >= 0 ? depth[p] + 1 : 1;
    sum[row] = (p >= 0 ? sum[p] : 0) + width(table.stackFrame[row]);
  });
  return { depth, width: sum };
}

/**
 * `build()`, with V8's `RangeError: Invalid string length` (an output past
 * {@link MAX_TEXT_LENGTH}) turned into the coded error: for the exports
 * that grow with the table, whose size is not worth computing first.
 */
export function textOrTooLarge(format: string, advice: string, build: () => string): string {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError && /Invalid string length/.test(error.message)) {
      throw outputTooLarge(format, `longer than a JS string can be (${count(MAX_TEXT_LENGTH)} characters)`, advice);
    }
    throw error;
  }
}
