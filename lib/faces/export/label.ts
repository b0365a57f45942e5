// One text per frame for the exports that show frames as text (collapsed
// stacks, flame graph): `functionName (file:line)`.
import { PSEUDO_FRAMES, type Frame } from '../../model/frame';
import type { Snapshot } from '../../model/snapshot';

/** What the exports call the node of traces recorded without a frame. */
export const NO_STACK_LABEL = '(no stack)';

/**
 * `functionName (file:line)`; V8's pseudo frames (`(V8 API)`, `(GC)`, ...)
 * by name alone, builtins as `split (builtin)`, and no `:line` when the line
 * is unknown (0).
 *
 * @example frameLabel(new Frame('/app/a.js', 12, 'getData')) // "getData (/app/a.js:12)"
 */
export function frameLabel(frame: Frame): string {
  if (frame.filename === frame.functionName && PSEUDO_FRAMES.has(frame.filename)) return frame.functionName;
  if (frame.builtin) return frame.functionLabel;
  const where = frame.lineno > 0 ? `${frame.filename}:${frame.lineno}` : frame.filename;
  return `${frame.functionName || '(anonymous)'} (${where})`;
}

/**
 * Frame rows keyed by their label: rows that read the same (two V8 frames of
 * one function, told apart only by script id) get one key, so a flame graph
 * never shows two identical boxes side by side.
 * @internal
 */
export class LabelKeys {
  /** The label of each key. */
  readonly labels: string[] = [];
  /** The first frame row of each key. */
  readonly rows: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly snapshot: Snapshot) {}

  /** The key of a frame row; pass as `buildCallTree`'s `frameKey`. */
  readonly key = (row: number): number => {
    const label = frameLabel(this.snapshot.frame(row));
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.ids.set(label, id);
      this.labels.push(label);
      this.rows.push(row);
    }
    return id;
  };
}
