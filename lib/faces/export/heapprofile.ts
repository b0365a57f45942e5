// The `.heapprofile` JSON that `node --heap-prof` writes and Chrome DevTools'
// Memory tab loads: the inspector's SamplingHeapProfile
// (HeapProfiler.SamplingHeapProfile in the DevTools protocol).
import type { Snapshot } from '../../model/snapshot';
import { NO_STACK_LABEL } from './label';
import { textOrTooLarge } from './output-limit';
import { buildCallTree, NO_STACK_FRAME, ROOT_FRAME, snapshotArgument, TotalKeepingRounder } from './tree';

/** Where a node's function is: the DevTools protocol's `Runtime.CallFrame`. */
export interface HeapProfileCallFrame {
  /** `''` for an anonymous function, as V8 reports it. */
  functionName: string;
  /** V8's script id, as a string; `'0'` when unknown (snapshots made from plain data). */
  scriptId: string;
  /** V8's script name: a path for CommonJS, a `file://` URL for ES modules, `node:...` for Node's own. */
  url: string;
  /** **0-based** line of the function's start; -1 when unknown. */
  lineNumber: number;
  /** **0-based** column of the function's start; -1 when unknown. */
  columnNumber: number;
}

/** A node of the call tree: `HeapProfiler.SamplingHeapProfileNode`. */
export interface HeapProfileNode {
  /** The function this node stands for. */
  callFrame: HeapProfileCallFrame;
  /** Bytes allocated by this function itself (integer: the sum of its samples' sizes). */
  selfSize: number;
  /** Unique in the profile; the root is 1. */
  id: number;
  /** The functions it called that allocated. */
  children: HeapProfileNode[];
}

/** `HeapProfiler.SamplingHeapProfileSample`. */
export interface HeapProfileSample {
  /** Bytes this sample stands for (integer). */
  size: number;
  /** The node it was allocated in. */
  nodeId: number;
  /** Time order of the samples (V8's sample id when known). */
  ordinal: number;
}

/** A `.heapprofile` file's content. */
export interface HeapProfile {
  /** The root of the call tree (`(root)`). */
  head: HeapProfileNode;
  /** One per trace, naming its node. */
  samples: HeapProfileSample[];
}

function callFrame(snapshot: Snapshot, row: number): HeapProfileCallFrame {
  if (row === ROOT_FRAME || row === NO_STACK_FRAME) {
    const functionName = row === ROOT_FRAME ? '(root)' : NO_STACK_LABEL;
    return { functionName, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 };
  }
  const t = snapshot.table;
  // The table keeps V8's 1-based positions (0 unknown); the protocol counts from 0 (-1 unknown).
  return {
    functionName: t.strings[t.frameName[row]],
    scriptId: String(t.frameScriptId[row]),
    url: t.strings[t.frameFile[row]],
    lineNumber: t.frameLine[row] > 0 ? t.frameLine[row] - 1 : -1,
    columnNumber: t.frameColumn[row] > 0 ? t.frameColumn[row] - 1 : -1,
  };
}

/**
 * Builds the DevTools heap profile of a snapshot: the structure `node
 * --heap-prof` writes, with the snapshot's frames and V8's raw names (an
 * anonymous function is `''`, a script is its V8 name).
 *
 * Differences from V8's own file, all deliberate:
 * - a sample's `size` is the bytes it stands for (V8's sampled object size
 *   × its scaled count), so DevTools' totals are the snapshot's estimates;
 *   rounded to integers keeping the total (see `encodePprof`);
 * - each node's `selfSize` is exactly the sum of its samples' sizes (V8's
 *   file can lag its samples);
 * - traces with no frames hang under a `(no stack)` node.
 *
 * Use {@link encodeHeapProfile} to write it: `JSON.stringify` recurses and
 * fails on trees deeper than a few thousand frames.
 *
 * @example
 * const profile = toHeapProfile(snapshot);
 * console.log(profile.head.children.map((n) => n.callFrame.functionName));
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 */
export function toHeapProfile(snapshot: Snapshot): HeapProfile {
  const t = snapshotArgument(snapshot).table;
  const tree = buildCallTree(snapshot, (row) => row);
  const nodes: HeapProfileNode[] = [];
  for (let n = 0; n < tree.length; n++) {
    const frame = callFrame(snapshot, tree.frame[n]);
    const node: HeapProfileNode = { callFrame: frame, selfSize: 0, id: n + 1, children: [] };
    nodes.push(node);
    if (n > 0) nodes[tree.parent[n]].children.push(node);
  }
  const samples: HeapProfileSample[] = [];
  const rounder = new TotalKeepingRounder();
  for (let i = 0; i < t.sampleStack.length; i++) {
    const size = rounder.next(t.sampleSize[i]);
    const node = nodes[tree.nodeOfSample[i]];
    node.selfSize += size;
    samples.push({ size, nodeId: node.id, ordinal: t.sampleId[i] > 0 ? t.sampleId[i] : i + 1 });
  }
  return { head: nodes[0], samples };
}

/**
 * The `.heapprofile` JSON text of a snapshot ({@link toHeapProfile}),
 * written without recursion, so any depth of traceback fits. Open the file
 * in Chrome DevTools: Memory tab, "Load profile".
 *
 * @example
 * fs.writeFileSync('heap.heapprofile', encodeHeapProfile(tracemalloc.takeSnapshot()));
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a Snapshot
 */
export function encodeHeapProfile(snapshot: Snapshot): string {
  return stringifyHeapProfile(toHeapProfile(snapshot));
}

/**
 * `JSON.stringify(profile)`, byte for byte, with an explicit stack instead of
 * recursion: for a profile from {@link toHeapProfile} that was changed before
 * being written.
 *
 * @example
 * const profile = toHeapProfile(snapshot);
 * for (const sample of profile.samples) sample.ordinal += 1000;
 * fs.writeFileSync('heap.heapprofile', stringifyHeapProfile(profile));
 */
export function stringifyHeapProfile(profile: HeapProfile): string {
  return textOrTooLarge('heapprofile export', 'filter the snapshot first (filterTraces, --include/--exclude)', () =>
    stringify(profile),
  );
}

function stringify(profile: HeapProfile): string {
  const out: string[] = ['{"head":'];
  const open = (node: HeapProfileNode): void => {
    out.push(`{"callFrame":${JSON.stringify(node.callFrame)},"selfSize":${node.selfSize},"id":${node.id},"children":[`);
  };
  const stack: { node: HeapProfileNode; next: number }[] = [{ node: profile.head, next: 0 }];
  open(profile.head);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.children.length) {
      if (top.next > 0) out.push(',');
      const child = top.node.children[top.next++];
      open(child);
      stack.push({ node: child, next: 0 });
    } else {
      out.push(']}');
      stack.pop();
    }
  }
  out.push(`,"samples":${JSON.stringify(profile.samples)}}`);
  return out.join('');
}
