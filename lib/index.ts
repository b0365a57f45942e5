/**
 * node-tracemalloc: Python's tracemalloc for Node.js.
 * @packageDocumentation
 */
export {
  start,
  stop,
  isTracing,
  clearTraces,
  getTracebackLimit,
  getSamplingInterval,
  getTracedMemory,
  resetPeak,
  getTracemallocMemory,
  takeSnapshot,
  MAX_FRAMES,
  DEFAULT_SAMPLED_INTERVAL,
  type StartOptions,
  type SnapshotOptions,
  type TracedMemory,
} from './tracemalloc';
export { Snapshot, TraceList, NO_STACK, type SnapshotInfo, type TraceData } from './snapshot';
export { Trace } from './trace';
export { Traceback } from './traceback';
export { Frame, UNKNOWN_FILENAME, PSEUDO_FRAMES } from './frame';
export { formatSize } from './format';
export { TracemallocError, type TracemallocErrorCode } from './errors';
export type { ProfileTable, FrameData } from './table';
