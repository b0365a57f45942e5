// Rewrites frame rows of a snapshot's table (file, line, column, name),
// sharing everything else: what source maps need. Pure TS over the
// ProfileTable.
import { Snapshot } from './snapshot';
import type { ProfileTable } from './table';

/** New values for one frame row; fields left out keep theirs. */
export interface FramePatch {
  /** The script name as V8 gives it (a path or a file URL). */
  file?: string;
  line?: number;
  column?: number;
  name?: string;
}

/**
 * A snapshot whose frame rows are patched by `patch` (called once per row);
 * `snapshot` itself when no row changes. Strings are appended to a copy of
 * the table's; stack and sample columns are shared.
 */
export function rewriteFrames(snapshot: Snapshot, patch: (row: number) => FramePatch | undefined): Snapshot {
  const t = snapshot.table;
  let strings: string[] | undefined;
  let index: Map<string, number> | undefined;
  let columns: { name: Uint32Array; file: Uint32Array; line: Int32Array; column: Int32Array } | undefined;
  const intern = (s: string): number => {
    if (strings === undefined || index === undefined) {
      const copy = t.strings.slice();
      strings = copy;
      index = new Map(copy.map((value, i) => [value, i]));
    }
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  for (let row = 0; row < t.frameFile.length; row++) {
    const p = patch(row);
    if (p === undefined) continue;
    columns ??= {
      name: t.frameName.slice(),
      file: t.frameFile.slice(),
      line: t.frameLine.slice(),
      column: t.frameColumn.slice(),
    };
    if (p.file !== undefined) columns.file[row] = intern(p.file);
    if (p.name !== undefined) columns.name[row] = intern(p.name);
    if (p.line !== undefined) columns.line[row] = p.line;
    if (p.column !== undefined) columns.column[row] = p.column;
  }
  if (columns === undefined) return snapshot;
  const table: ProfileTable = {
    ...t,
    strings: strings ?? t.strings,
    frameName: columns.name,
    frameFile: columns.file,
    frameLine: columns.line,
    frameColumn: columns.column,
  };
  return new Snapshot(table, snapshot.info);
}
