/**
 * `node-tracemalloc/model`: the snapshot's data model under the
 * Python-parity classes. Trace columns and the frame table, views, the
 * statistics' sampling spreads, the tracer's limits and the dump format's
 * version: for code that reads a snapshot's columns directly or checks
 * options against the limits.
 *
 * @module node-tracemalloc/model
 */
export { MAX_FRAMES, MAX_INTERVAL, DEFAULT_SAMPLED_INTERVAL } from '../tracemalloc';
export { TraceList, NO_STACK, SNAPSHOT_VIEWS, type SnapshotInfo, type SnapshotView, type TraceData } from '../snapshot';
export type { ProfileTable, FrameData } from '../table';
export type { StatisticSpread, DiffSpread, Range } from '../statistics';
export type { SampledSum } from '../intervals';
export { UNKNOWN_FILENAME, PSEUDO_FRAMES, functionLabel, type FrameOptions } from '../frame';
export { DUMP_FORMAT_VERSION, type DumpableSnapshot } from '../dump';
