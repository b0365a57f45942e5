// One snapshot of several threads' tables: strings and frames interned again,
// stacks shared where (frame, caller) match, samples appended with the domain
// (thread id) each already carries. Pure: no addon.
import { Snapshot, type SnapshotInfo } from '../../model/snapshot';
import { StringInterner, type ProfileTable } from '../../model/table';

import { NO_STACK } from '../../helpers/constants';
import { parentsFirst } from '../../model/stack-walk';

/** What happened to one thread in a {@link ThreadsSnapshot}. */
export interface ThreadStatus {
  /** `worker_threads.threadId` of the thread: 0 for the main thread. */
  threadId: number;
  /**
   * - `answered`: its table, taken now, is in the snapshot;
   * - `exited`: it has ended; the table it took as it exited is in the snapshot (`detail` says when);
   * - `missing`: no table in the snapshot: it did not answer in time (busy in synchronous code),
   *   ended without a last table (terminated), or could not take one (`detail` says which).
   */
  state: 'answered' | 'exited' | 'missing';
  /** Why a thread is `missing`, or when an `exited` one took its last table. */
  detail?: string;
}

/**
 * A snapshot of every traced thread (`takeSnapshotAllThreads()`): each
 * trace's `domain` is its thread's id (0 the main thread), and `threads`
 * says which threads are in it and which are not.
 */
export class ThreadsSnapshot extends Snapshot {
  /** Every thread known to be traced, the collecting one first, then by thread id. */
  readonly threads: readonly ThreadStatus[];

  constructor(table: ProfileTable, info: SnapshotInfo, threads: readonly ThreadStatus[]) {
    super(table, info);
    this.threads = threads;
  }

  /** The threads without a table in this snapshot. */
  get missing(): ThreadStatus[] {
    return this.threads.filter((t) => t.state === 'missing');
  }
}

/**
 * The tables of several snapshots as one. Frames are the same row when every
 * field matches; stacks when frame and caller do (within one table as across
 * tables). Samples keep their order, table after table. Script ids are per
 * thread, so frames of two threads' scripts stay apart unless name, file and
 * position agree too.
 */
export function mergeTables(tables: readonly ProfileTable[]): ProfileTable {
  if (tables.length === 1) return tables[0];
  const strings = new StringInterner();
  const frameRows = new Map<string, number>();
  const frame = {
    name: [] as number[],
    file: [] as number[],
    line: [] as number[],
    column: [] as number[],
    scriptId: [] as number[],
    start: [] as number[],
  };
  const stackRows = new Map<string, number>();
  const stack = { frame: [] as number[], parent: [] as number[] };
  let samples = 0;
  for (const t of tables) samples += t.sampleStack.length;
  const sampleStack = new Uint32Array(samples);
  const sampleSize = new Float64Array(samples);
  const sampleCount = new Float64Array(samples);
  const sampleId = new Float64Array(samples);
  const sampleDomain = new Uint32Array(samples);
  let at = 0;
  for (const t of tables) {
    const frameMap = new Uint32Array(t.frameName.length);
    for (let f = 0; f < frameMap.length; f++) {
      const name = strings.add(t.strings[t.frameName[f]]);
      const file = strings.add(t.strings[t.frameFile[f]]);
      const fields = [name, file, t.frameLine[f], t.frameColumn[f], t.frameScriptId[f], t.frameStart[f]];
      const key = fields.join(':');
      let row = frameRows.get(key);
      if (row === undefined) {
        row = frame.name.length;
        frame.name.push(name);
        frame.file.push(file);
        frame.line.push(t.frameLine[f]);
        frame.column.push(t.frameColumn[f]);
        frame.scriptId.push(t.frameScriptId[f]);
        frame.start.push(t.frameStart[f]);
        frameRows.set(key, row);
      }
      frameMap[f] = row;
    }
    const stackMap = mapStacks(t, frameMap, stackRows, stack);
    const n = t.stackFrame.length;
    for (let i = 0; i < t.sampleStack.length; i++, at++) {
      const s = t.sampleStack[i];
      sampleStack[at] = s < n ? stackMap[s] : NO_STACK;
      sampleSize[at] = t.sampleSize[i];
      sampleCount[at] = t.sampleCount[i];
      sampleId[at] = t.sampleId[i];
      sampleDomain[at] = t.sampleDomain[i];
    }
  }
  return {
    strings: strings.values,
    frameName: Uint32Array.from(frame.name),
    frameFile: Uint32Array.from(frame.file),
    frameLine: Int32Array.from(frame.line),
    frameColumn: Int32Array.from(frame.column),
    frameScriptId: Int32Array.from(frame.scriptId),
    frameStart: Int32Array.from(frame.start),
    stackFrame: Uint32Array.from(stack.frame),
    stackParent: Int32Array.from(stack.parent),
    sampleStack,
    sampleSize,
    sampleCount,
    sampleId,
    sampleDomain,
  };
}

/**
 * Each stack row of `t` as a row of the merged stacks. A row's caller comes
 * before it (the table's invariant, lib/model/stack-walk.ts), so it is mapped
 * already, and merged rows keep that order.
 */
function mapStacks(
  t: ProfileTable,
  frameMap: Uint32Array,
  rows: Map<string, number>,
  out: { frame: number[]; parent: number[] },
): Uint32Array {
  const mapped = new Uint32Array(t.stackFrame.length);
  parentsFirst(t.stackParent, (r, caller) => {
    const parent = caller < 0 ? -1 : mapped[caller];
    const f = frameMap[t.stackFrame[r]];
    const key = `${f}:${parent}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = out.frame.length;
      out.frame.push(f);
      out.parent.push(parent);
      rows.set(key, row);
    }
    mapped[r] = row;
  });
  return mapped;
}

/**
 * Several threads' snapshots as one: the first one's settings and time, and
 * its session only when it is the only one (sample ids are unique within one
 * thread's session, so two threads' samples could pair up wrongly in a
 * difference's error bars: session 0 makes those bars assume no shared samples).
 */
export function mergeSnapshots(snapshots: readonly Snapshot[], threads: readonly ThreadStatus[]): ThreadsSnapshot {
  const [first] = snapshots;
  const table = mergeTables(snapshots.map((s) => s.table));
  const info = { ...first.info, session: snapshots.length === 1 ? first.session : 0 };
  return new ThreadsSnapshot(table, info, threads);
}
