// The inspector's HeapProfiler.SamplingHeapProfile (the tree V8's sampling
// heap profiler builds, with its samples) as a Snapshot: one trace per
// sample, its stack the node's path from the root. What `tracemalloc attach`
// dumps.
import type { HeapProfile, HeapProfileNode } from '../export/heapprofile';
import { scaledCount } from '../../model/sampling-error';
import { Snapshot } from '../../model/snapshot';
import { TableBuilder, type FrameData } from '../../model/table';

/** Frames per stack the inspector records: V8's inspector starts the sampler with a depth of 128. */
export const INSPECTOR_STACK_DEPTH = 128;

/** The smallest heap object, one 8-byte word: no sample stands for a smaller one. */
const MIN_OBJECT = 8;

/**
 * Objects a sample stands for, given only the bytes it stands for. The
 * inspector reports `size × count` per sample, not the object's size, so the
 * count is estimated: V8 scales a sampled object of `s` bytes by
 * 1 / (1 − e^(−s/interval)); this solves s / (1 − e^(−s/interval)) = bytes
 * for s (at least 8) and returns bytes / s. As the addon counts at interval 1
 * (one object per sample) and for objects over ~1.1 intervals; for objects much
 * smaller than it, V8 has rounded its count before multiplying, so the
 * object size cannot be told from the bytes and the count is rough (often
 * within 2×, off by more for some sizes). The bytes stay right.
 */
export function objectsOfSample(bytes: number, interval: number): number {
  if (interval <= 1 || !(bytes > MIN_OBJECT)) return 1;
  const scale = (s: number): number => scaledCount(s, interval);
  // Objects over ~1.1 intervals: V8 rounded their count to 1, so the bytes
  // are the object's size, and the count is its scale, as the addon reads it.
  if (Math.round(scale(bytes)) === 1) return scale(bytes);
  const stands = (s: number): number => s * scale(s);
  // stands() rises from `interval` (s → 0) and is ≥ s: bisect s in (0, bytes].
  let lo = 0;
  let hi = bytes;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (stands(mid) < bytes) lo = mid;
    else hi = mid;
  }
  return bytes / Math.max(MIN_OBJECT, (lo + hi) / 2);
}

/** The table's frame of a node: 1-based positions (the protocol counts from 0, -1 unknown). */
function frameOf(node: HeapProfileNode): FrameData {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  return {
    functionName,
    filename: url,
    lineno: lineNumber >= 0 ? lineNumber + 1 : 0,
    column: columnNumber >= 0 ? columnNumber + 1 : 0,
  };
}

/**
 * A snapshot of the profile: every sample a trace (domain 0, the main
 * thread), sizes as the inspector reports them, counts estimated from them
 * (see {@link objectsOfSample}). Walks the tree without recursion.
 * @throws {TypeError} a profile without a head or samples
 */
export function snapshotOfSamplingProfile(profile: HeapProfile, interval: number, timestamp: number): Snapshot {
  if (
    typeof profile !== 'object' ||
    profile === null ||
    typeof profile.head !== 'object' ||
    !Array.isArray(profile.samples)
  ) {
    throw new TypeError('not a sampling heap profile: expected { head, samples }');
  }
  const builder = new TableBuilder();
  // Node id → its frames, most recent first (the root has none).
  const stackOfNode = new Map<number, number>();
  const pending: { node: HeapProfileNode; frames: FrameData[] }[] = profile.head.children.map((node) => ({
    node,
    frames: [],
  }));
  while (pending.length > 0) {
    const { node, frames } = pending.pop() as { node: HeapProfileNode; frames: FrameData[] };
    const path = [frameOf(node), ...frames];
    stackOfNode.set(node.id, builder.stack(path));
    for (const child of node.children) pending.push({ node: child, frames: path });
  }
  const samples = [...profile.samples].sort((a, b) => a.ordinal - b.ordinal);
  for (const sample of samples) {
    const stack = stackOfNode.get(sample.nodeId);
    if (stack === undefined) continue; // the root itself: no JS frame
    builder.sample(stack, sample.size, objectsOfSample(sample.size, interval), 0, sample.ordinal);
  }
  return new Snapshot(builder.build(), { tracebackLimit: INSPECTOR_STACK_DEPTH, interval, timestamp });
}
