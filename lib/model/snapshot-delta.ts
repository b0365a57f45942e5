// What changed between two snapshots, trace by trace: the traces of the newer
// minus those of the older, per (traceback, domain). The delta profile of
// Go's `/debug/pprof/heap?seconds=N`; values may be negative (memory freed).
import { argError } from '../helpers/errors';
import { NO_STACK, Snapshot } from './snapshot';
import { markCallers, parentsFirst } from './stack-walk';
import { TableBuilder } from './table';

function argumentError(message: string): TypeError {
  return argError('ERR_INVALID_ARG_VALUE', message);
}

/**
 * A snapshot whose traces are `newer`'s minus `older`'s, summed per
 * (traceback, domain); tracebacks that did not change are left out. Sizes and
 * counts can be negative (what was freed) and are estimates unless both
 * snapshots are exact. Frames are matched by file, line, column and name, so
 * the two snapshots may come from different tables (or processes).
 *
 * @example
 * const before = tracemalloc.takeSnapshot();
 * await serveTraffic();
 * const grown = snapshotDelta(before, tracemalloc.takeSnapshot());
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` when the snapshots were taken at different sampling intervals
 */
export function snapshotDelta(older: Snapshot, newer: Snapshot): Snapshot {
  if (older.interval !== newer.interval) {
    throw argumentError(
      `cannot subtract snapshots taken at different sampling intervals (${older.interval} and ${newer.interval} bytes)`,
    );
  }
  const builder = new TableBuilder();
  const rows = new Map<string, { stack: number; domain: number; size: number; count: number }>();
  const add = (snapshot: Snapshot, sign: number): void => {
    const t = snapshot.table;
    // Each row some sample goes through, as a row of the builder, from its caller's.
    const reached = new Uint8Array(t.stackFrame.length);
    for (let i = 0; i < t.sampleStack.length; i++) reached[t.sampleStack[i]] = 1;
    markCallers(t.stackParent, reached);
    const stackOf = new Int32Array(t.stackFrame.length);
    parentsFirst(t.stackParent, (s, p) => {
      if (reached[s] === 0) return;
      const f = t.stackFrame[s];
      stackOf[s] = builder.callee(p >= 0 ? stackOf[p] : -1, {
        filename: t.strings[t.frameFile[f]],
        lineno: t.frameLine[f],
        functionName: t.strings[t.frameName[f]],
        column: t.frameColumn[f],
      });
    });
    for (let i = 0; i < t.sampleStack.length; i++) {
      const row = t.sampleStack[i];
      const stack = row < t.stackFrame.length ? stackOf[row] : NO_STACK;
      const key = `${stack}:${t.sampleDomain[i]}`;
      let sum = rows.get(key);
      if (sum === undefined) {
        sum = { stack, domain: t.sampleDomain[i], size: 0, count: 0 };
        rows.set(key, sum);
      }
      sum.size += sign * t.sampleSize[i];
      sum.count += sign * t.sampleCount[i];
    }
  };
  add(older, -1);
  add(newer, 1);
  for (const { stack, domain, size, count } of rows.values()) {
    // Float sums of the same estimates in another order: a residue is not a change.
    const tiny = 1e-9 * Math.max(1, newer.interval);
    if (Math.abs(size) > tiny || Math.abs(count) > 1e-9) builder.sample(stack, size, count, domain);
  }
  return new Snapshot(builder.build(), {
    tracebackLimit: newer.tracebackLimit,
    interval: newer.interval,
    timestamp: newer.timestamp,
    view: newer.view,
    inlining: older.inlining === newer.inlining ? newer.inlining : undefined,
  });
}
