// The call tree every tree-shaped export draws (heapprofile, collapsed
// stacks, flame graph), built from the snapshot's columns in one pass over
// the samples plus one step per used stack row: no object per sample, and no
// recursion anywhere (traceback limits go up to 65,535 frames, deeper than
// JS's call stack).
import { argError } from '../../helpers/errors';
import { addSample } from '../../model/sampling-error';
import { Snapshot } from '../../model/snapshot';
import { markCallers, parentsFirst } from '../../model/stack-walk';

/** `CallTree.frame` of the root node. */
export const ROOT_FRAME = -1;
/** `CallTree.frame` of the node holding traces recorded with no frame at all. */
export const NO_STACK_FRAME = -2;

/**
 * A snapshot's traces as a tree of call paths, outermost frame first. Node 0
 * is the root; every other node's parent has a smaller index, so one
 * backwards loop sums children into parents (the flame graph's page does).
 * @internal
 */
export interface CallTree {
  /** Number of nodes, the root included. */
  readonly length: number;
  /** A frame row of the snapshot's table; {@link ROOT_FRAME} or {@link NO_STACK_FRAME}. */
  readonly frame: Int32Array;
  /** `frameKey` of the node's frame; -1 for the root and the no-stack node. */
  readonly key: Int32Array;
  /** Parent node; -1 for the root. */
  readonly parent: Int32Array;
  /** Bytes of traces whose most recent frame is this node. */
  readonly selfSize: Float64Array;
  /** Objects of traces whose most recent frame is this node. */
  readonly selfCount: Float64Array;
  /** The node of each sample row of the table. */
  readonly nodeOfSample: Int32Array;
}

/**
 * Builds the call tree of `snapshot`. `frameKey` says which frame rows are
 * one frame: rows with the same key under the same parent become one node.
 * It maps each frame row to a small non-negative integer; pass
 * `(row) => row` to keep the table's own frames.
 * @internal
 */
export function buildCallTree(snapshot: Snapshot, frameKey: (row: number) => number): CallTree {
  const t = snapshot.table;
  const { stackFrame, stackParent, sampleStack } = t;
  const nStacks = stackFrame.length;

  const frame: number[] = [ROOT_FRAME];
  const key: number[] = [-1];
  const parent: number[] = [-1];
  const children = new Map<number | string, number>();
  let keyBound = 1;
  const keys = new Int32Array(t.frameName.length);
  for (let row = 0; row < keys.length; row++) {
    keys[row] = frameKey(row);
    keyBound = Math.max(keyBound, keys[row] + 2);
  }
  const child = (parentNode: number, nodeKey: number, frameRow: number): number => {
    // A number while it is exact, else a string: no two (parent, key) pairs collide.
    const numeric = parentNode * keyBound + nodeKey + 1;
    const id = numeric < Number.MAX_SAFE_INTEGER ? numeric : `${parentNode},${nodeKey}`;
    let node = children.get(id);
    if (node === undefined) {
      node = frame.length;
      frame.push(frameRow);
      key.push(nodeKey);
      parent.push(parentNode);
      children.set(id, node);
    }
    return node;
  };

  // Node of each stack row some sample goes through, from its caller's node
  // (lib/model/stack-walk.ts): nodes come in row order, parents first.
  const nodeOfStack = new Int32Array(nStacks).fill(-1);
  const reached = new Uint8Array(nStacks);
  for (let i = 0; i < sampleStack.length; i++) if (sampleStack[i] < nStacks) reached[sampleStack[i]] = 1;
  markCallers(stackParent, reached);
  parentsFirst(stackParent, (r, p) => {
    if (reached[r] === 1) nodeOfStack[r] = child(p >= 0 ? nodeOfStack[p] : 0, keys[stackFrame[r]], stackFrame[r]);
  });
  let noStackNode = -1;
  const nodeOfSample = new Int32Array(sampleStack.length);
  for (let i = 0; i < sampleStack.length; i++) {
    const s = sampleStack[i];
    if (s < nStacks) {
      nodeOfSample[i] = nodeOfStack[s];
      continue;
    }
    // NO_STACK: frames were not recorded (traceback limit 0, or V8 gave none).
    if (noStackNode < 0) noStackNode = child(0, -1, NO_STACK_FRAME);
    nodeOfSample[i] = noStackNode;
  }

  const length = frame.length;
  const selfSize = new Float64Array(length);
  const selfCount = new Float64Array(length);
  for (let i = 0; i < nodeOfSample.length; i++) {
    selfSize[nodeOfSample[i]] += t.sampleSize[i];
    selfCount[nodeOfSample[i]] += t.sampleCount[i];
  }
  return {
    length,
    frame: Int32Array.from(frame),
    key: Int32Array.from(key),
    parent: Int32Array.from(parent),
    selfSize,
    selfCount,
    nodeOfSample,
  };
}

/** Traces summed per (stack row, domain): see {@link groupByStack}. @internal */
export interface StackGroups {
  /** Stack row (the most recent frame's), -1 for traces with no frames. */
  readonly stack: number[];
  readonly domain: number[];
  readonly size: number[];
  readonly count: number[];
  /** Sample rows summed into the group. */
  readonly samples: number[];
  /** The group's terms of the error bars (lib/model/sampling-error.ts): variances and the sampled objects' bytes. */
  readonly sizeVariance: number[];
  readonly countVariance: number[];
  readonly sampledSize: number[];
}

/** Sums the sample rows of each (stack row, domain), in order of first appearance. @internal */
export function groupByStack(snapshot: Snapshot): StackGroups {
  const t = snapshot.table;
  const groups: StackGroups = {
    stack: [],
    domain: [],
    size: [],
    count: [],
    samples: [],
    sizeVariance: [],
    countVariance: [],
    sampledSize: [],
  };
  const index = new Map<number, Map<number, number>>();
  for (let i = 0; i < t.sampleStack.length; i++) {
    const stack = t.sampleStack[i] < t.stackFrame.length ? t.sampleStack[i] : -1;
    let byDomain = index.get(stack);
    if (byDomain === undefined) {
      byDomain = new Map();
      index.set(stack, byDomain);
    }
    let g = byDomain.get(t.sampleDomain[i]);
    if (g === undefined) {
      g = groups.stack.length;
      byDomain.set(t.sampleDomain[i], g);
      groups.stack.push(stack);
      groups.domain.push(t.sampleDomain[i]);
      groups.size.push(0);
      groups.count.push(0);
      groups.samples.push(0);
      groups.sizeVariance.push(0);
      groups.countVariance.push(0);
      groups.sampledSize.push(0);
    }
    addSample(groups, g, t.sampleSize[i], t.sampleCount[i]);
  }
  return groups;
}

/**
 * Rounds a sequence of estimates to integers so that the rounded values add
 * up to the rounded sum: each value is rounded with the error carried so far,
 * so it lands within 1 of its estimate and no total drifts by more than 0.5,
 * however many values there are. (Rounding each value alone would lose up to
 * 0.5 per value: a sampled snapshot of 10,000 traces of 0.4 objects would
 * export 0 objects.)
 * @internal
 */
export class TotalKeepingRounder {
  private exact = 0;
  private rounded = 0;

  /** The integer to write for the next value. */
  next(value: number): number {
    this.exact += value;
    const step = Math.round(this.exact) - this.rounded;
    this.rounded += step;
    return step;
  }
}

/**
 * Checks an export's `snapshot` argument: a JS caller may pass anything.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `value` is not a Snapshot
 * @internal
 */
export function snapshotArgument(value: unknown): Snapshot {
  if (!(value instanceof Snapshot)) {
    const kind =
      value === null
        ? 'null'
        : typeof value === 'object'
          ? `an instance of ${value.constructor?.name ?? 'Object'}`
          : typeof value;
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a Snapshot for snapshot but received ${kind}`);
  }
  return value;
}
