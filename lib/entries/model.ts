/**
 * `node-tracemalloc/model`: the snapshot's data model under the
 * Python-parity classes. Trace columns and the frame table, views, the
 * statistics' sampling spreads, the tracer's limits and the dump format's
 * version: for code that reads a snapshot's columns directly or checks
 * options against the limits.
 *
 * @module node-tracemalloc/model
 */
export { MAX_FRAMES, MAX_INTERVAL, DEFAULT_SAMPLED_INTERVAL } from '../tracer/tracemalloc';
export {
  TraceList,
  NO_STACK,
  SNAPSHOT_VIEWS,
  type SnapshotInfo,
  type SnapshotView,
  type TraceData,
} from '../model/snapshot';
export type { ProfileTable, FrameData } from '../model/table';
export type { StatisticSpread, DiffSpread, Range } from '../model/statistics';
export type { SampledSum } from '../model/intervals';
export { UNKNOWN_FILENAME, PSEUDO_FRAMES, functionLabel, type FrameOptions } from '../model/frame';
export { DUMP_FORMAT_VERSION, type DumpableSnapshot } from '../model/dump';
