/**
 * node-tracemalloc: Python's tracemalloc for Node.js. The root export is
 * Python's API: start and stop tracing, take a snapshot, compare, filter,
 * dump and load it. Everything else is on a subpath that names it
 * (`node-tracemalloc/measure`, `/jest`, `/export`, `/census`, `/budget`,
 * `/production`, `/filters`, `/inlining`, `/model`; docs/migration.md lists
 * where each former root name went).
 *
 * The tracing functions act on the calling thread. Each worker thread traces
 * itself (call `start()` inside the worker), with its own sampler and traces;
 * its traces have `domain` equal to its `threadId`. A worker that exits or is
 * terminated while tracing is cleaned up.
 *
 * @module node-tracemalloc
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
  type StartOptions,
  type SnapshotOptions,
  type TracedMemory,
} from './tracer/tracemalloc';
export { Snapshot } from './model/snapshot';
export { Statistic, StatisticDiff, type KeyType } from './model/statistics';
export { BaseFilter, Filter, DomainFilter } from './model/filter';
export { Trace } from './model/trace';
export { Traceback } from './model/traceback';
export { Frame } from './model/frame';
export { formatSize } from './helpers/format';
export { TracemallocError, type TracemallocErrorCode } from './helpers/errors';
// Dump and load, to a file or (encode/decode) a buffer, and what loading a
// bad one throws.
export {
  dumpSnapshot,
  loadSnapshot,
  encodeSnapshot,
  decodeSnapshot,
  DumpFormatError,
  type DumpFormatReason,
  type DumpOptions,
} from './model/dump';
export { takeSnapshotAllThreads } from './tracer/threads/all-threads';
export type { AllThreadsSnapshotOptions } from './tracer/threads/collect';
export { ThreadsSnapshot, type ThreadStatus } from './tracer/threads/merge';
