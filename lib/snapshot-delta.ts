// What changed between two snapshots, trace by trace: the traces of the newer
// minus those of the older, per (traceback, domain). The delta profile of
// Go's `/debug/pprof/heap?seconds=N`; values may be negative (memory freed).
import { argError } from './errors';
import { NO_STACK, Snapshot } from './snapshot';
import { TableBuilder, type FrameData } from './table';

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
    const stackOf = new Map<number, number>();
    const frames = (row: number): FrameData[] => {
      const list: FrameData[] = [];
      for (let s = row; s >= 0; s = t.stackParent[s]) {
        const f = t.stackFrame[s];
        list.push({
          filename: t.strings[t.frameFile[f]],
          lineno: t.frameLine[f],
          functionName: t.strings[t.frameName[f]],
          column: t.frameColumn[f],
        });
      }
      return list;
    };
    for (let i = 0; i < t.sampleStack.length; i++) {
      const row = t.sampleStack[i];
      let stack = row < t.stackFrame.length ? stackOf.get(row) : NO_STACK;
      if (stack === undefined) {
        stack = builder.stack(frames(row));
        stackOf.set(row, stack);
      }
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
