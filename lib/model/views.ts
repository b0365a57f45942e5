// The views a snapshot can hold: one leaf module, shared by the model, the
// tracer, the dump format and the settings parser.

/**
 * Which traces a snapshot holds:
 * - `'live'`: objects alive when it was taken (Python's snapshots);
 * - `'allocated'`: every allocation since tracing started, collected objects included;
 * - `'peak'`: objects alive right after the collection at which the JS heap was fullest.
 */
export type SnapshotView = 'live' | 'allocated' | 'peak';

/** Every view, in the order of their codes in dumps (lib/model/dump/layout.ts). */
export const SNAPSHOT_VIEWS: readonly SnapshotView[] = ['live', 'allocated', 'peak'];

export function isSnapshotView(value: unknown): value is SnapshotView {
  return typeof value === 'string' && (SNAPSHOT_VIEWS as readonly string[]).includes(value);
}
