// Brendan Gregg's collapsed ("folded") stacks: one `a;b;c 1234` line per
// call path, the input of flamegraph.pl, inferno, speedscope and friends.
import { argError } from '../../helpers/errors';
import { escapeControlChars } from '../../helpers/control-chars';
import type { Snapshot } from '../../model/snapshot';
import * as check from '../../helpers/validate';
import { LabelKeys, NO_STACK_LABEL } from './label';
import { count, MAX_TEXT_LENGTH, outputTooLarge, PER_TRACE_ADVICE } from './output-limit';
import { buildCallTree, NO_STACK_FRAME, snapshotArgument, TotalKeepingRounder } from './tree';

/** What a collapsed-stack line counts. */
export type CollapsedValue = 'size' | 'count';

/** Options of {@link toCollapsed}. */
export interface CollapsedOptions {
  /** `size` (bytes, the default) or `count` (objects). */
  value?: CollapsedValue;
}

/**
 * A frame label made safe for a line: `;` separates frames and a newline ends
 * the line, and the format has no escape of its own, so `;` becomes the
 * C-style `\x3b` and control characters their escapes (`\n`, `\r`, `\x1b`,
 * see `escapeControlChars`). Nothing else changes: backslashes stay, so
 * Windows paths read as they are, and so the escape cannot be undone (a name
 * holding the text `\x3b` reads as one holding `;`). `--format json` keeps
 * names exact.
 *
 * @example escapeCollapsedLabel('a;b') // "a\\x3bb"
 */
export function escapeCollapsedLabel(label: string): string {
  return escapeControlChars(label).replace(/;/g, '\\x3b');
}

/**
 * Collapsed stacks of a snapshot: one line per call path, frames outermost
 * first joined by `;`, a space, then the bytes (or objects) allocated by the
 * last frame itself; lines end with `\n`. A frame reads
 * `functionName (file:line)` (the function's start line; V8 records no
 * other), pseudo frames just `(V8 API)`; traces without frames are
 * `(no stack)`. Estimates are rounded to integers keeping the total (see
 * `encodePprof`), and paths that round to 0 are left out.
 *
 * @example
 * fs.writeFileSync('heap.collapsed', toCollapsed(snapshot));
 * // flamegraph.pl heap.collapsed > heap.svg, or open it in https://www.speedscope.app
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for an unknown option or `value`
 * @throws {TracemallocError} `ERR_TRACEMALLOC_OUTPUT_TOO_LARGE` when the text would be longer than a
 *   string can be (each line spells its whole path: deep stacks, many of them), checked first
 */
export function toCollapsed(snapshot: Snapshot, options?: CollapsedOptions): string {
  snapshotArgument(snapshot);
  const opts = check.options(options, 'options', ['value'] as const);
  const value = opts.value ?? 'size';
  if (value !== 'size' && value !== 'count') {
    const message = `Expected "size" or "count" for options.value but received ${JSON.stringify(value)}`;
    throw argError('ERR_INVALID_ARG_VALUE', message);
  }
  const keys = new LabelKeys(snapshot);
  const tree = buildCallTree(snapshot, keys.key);
  const self = value === 'size' ? tree.selfSize : tree.selfCount;

  const escaped = keys.labels.map(escapeCollapsedLabel);
  const labelOf = (n: number): string => (tree.frame[n] === NO_STACK_FRAME ? NO_STACK_LABEL : escaped[tree.key[n]]);

  // Every line spells its whole path, so the text grows with the sum of the
  // paths' depths (quadratic in the table for deep stacks sharing callers):
  // its exact length first, in O(nodes), refused past what a string holds.
  // Parents come before children: each path is its parent's plus one label.
  const pathLength = new Float64Array(tree.length);
  const sizing = new TotalKeepingRounder();
  let length = 0;
  let lineCount = 0;
  for (let n = 1; n < tree.length; n++) {
    const parent = tree.parent[n];
    pathLength[n] = (parent === 0 ? 0 : pathLength[parent] + 1) + labelOf(n).length;
    const rounded = sizing.next(self[n]);
    if (rounded > 0) {
      length += pathLength[n] + String(rounded).length + 2;
      lineCount++;
    }
  }
  if (length > MAX_TEXT_LENGTH) {
    const what = `${count(length)} characters in ${count(lineCount)} lines, more than a JS string holds (${count(MAX_TEXT_LENGTH)})`;
    throw outputTooLarge('collapsed stacks', what, PER_TRACE_ADVICE);
  }

  const paths: string[] = [''];
  const rounder = new TotalKeepingRounder();
  const lines: string[] = [];
  for (let n = 1; n < tree.length; n++) {
    const parentPath = paths[tree.parent[n]];
    paths.push(parentPath === '' ? labelOf(n) : `${parentPath};${labelOf(n)}`);
    const rounded = rounder.next(self[n]);
    if (rounded > 0) lines.push(`${paths[n]} ${rounded}\n`);
  }
  return lines.join('');
}
