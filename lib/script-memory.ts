// V8 names a frame's script, line and column only while the script lives:
// GetAllocationProfile() looks scripts up by id in the heap, and a sample
// outlives the script of its function once nothing can call that function
// any more (a CommonJS main module whose functions are all done is collected
// by the next full GC, and its samples come back as "" at line 0). This
// remembers what earlier snapshots said, by (script id, start position), to
// name such frames again. Pure TS over the ProfileTable.
import { rewriteFrames, type FramePatch } from './frame-rewrite';
import type { Snapshot } from './snapshot';

/** What a live script's frames said: its name, and each function's line and column by start position. */
export class ScriptMemory {
  private readonly files = new Map<number, string>();
  private readonly positions = new Map<string, readonly [number, number]>();

  /** Remembers the named frames of `snapshot` (take it without a GC, while scripts still live). */
  learn(snapshot: Snapshot): void {
    const t = snapshot.table;
    for (let row = 0; row < t.frameFile.length; row++) {
      const id = t.frameScriptId[row];
      const file = t.strings[t.frameFile[row]];
      if (id <= 0 || file === '' || t.frameLine[row] < 1) continue;
      this.files.set(id, file);
      this.positions.set(`${id}:${t.frameStart[row]}`, [t.frameLine[row], t.frameColumn[row]]);
    }
  }

  /** `snapshot` with the frames of collected scripts named again where remembered. */
  recall(snapshot: Snapshot): Snapshot {
    const t = snapshot.table;
    return rewriteFrames(snapshot, (row): FramePatch | undefined => {
      const id = t.frameScriptId[row];
      if (id <= 0 || t.strings[t.frameFile[row]] !== '') return undefined;
      const file = this.files.get(id);
      if (file === undefined) return undefined;
      const position = this.positions.get(`${id}:${t.frameStart[row]}`);
      return position === undefined ? { file } : { file, line: position[0], column: position[1] };
    });
  }
}
