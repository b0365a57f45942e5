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
  MAX_INTERVAL,
  DEFAULT_SAMPLED_INTERVAL,
  type StartOptions,
  type SnapshotOptions,
  type TracedMemory,
} from './tracemalloc';
export {
  Snapshot,
  TraceList,
  NO_STACK,
  SNAPSHOT_VIEWS,
  type SnapshotInfo,
  type SnapshotView,
  type TraceData,
} from './snapshot';
export { noInliningFlags, disableInlining, inliningEnabled, SAMPLED_INLINING_DEFAULT } from './inlining';
export { Trace } from './trace';
export { Traceback } from './traceback';
export { Frame, UNKNOWN_FILENAME, PSEUDO_FRAMES, functionLabel, type FrameOptions } from './frame';
export { formatSize, formatCount } from './format';
export { escapeControlChars } from './control-chars';
export { Statistic, StatisticDiff, type KeyType, type StatisticSpread, type DiffSpread } from './statistics';
export type { SampledSum } from './intervals';
export { BaseFilter, Filter, DomainFilter, TRACER_FILTERS, defaultReportFilters } from './filter';
export { compileGlob, fnmatch, escapeGlob, type GlobMatcher, type GlobOptions } from './fnmatch';
export { TracemallocError, type TracemallocErrorCode } from './errors';
export type { ProfileTable, FrameData } from './table';
export {
  dumpSnapshot,
  loadSnapshot,
  encodeSnapshot,
  decodeSnapshot,
  DumpFormatError,
  DUMP_FORMAT_VERSION,
  type DumpFormatReason,
  type DumpOptions,
  type DumpableSnapshot,
} from './dump';
export {
  countObjects,
  diffCensus,
  formatCensus,
  formatCensusDiff,
  censusLabel,
  type Census,
  type CensusEntry,
  type CensusDiffEntry,
  type CensusOptions,
} from './census';
export * from './measure';
export { encodePprof } from './export/pprof';
export {
  toHeapProfile,
  encodeHeapProfile,
  stringifyHeapProfile,
  type HeapProfile,
  type HeapProfileNode,
  type HeapProfileSample,
  type HeapProfileCallFrame,
} from './export/heapprofile';
export { toCollapsed, escapeCollapsedLabel, type CollapsedOptions, type CollapsedValue } from './export/collapsed';
export {
  toSnapshotJson,
  encodeSnapshotJson,
  SNAPSHOT_JSON_FORMAT,
  SNAPSHOT_JSON_VERSION,
  type SnapshotJson,
  type TraceJson,
  type FrameJson,
} from './export/json';
export { toFlameGraphHtml, type FlameGraphOptions } from './export/flamegraph';
export { frameLabel } from './export/label';
export { applySourceMaps } from './source-maps';
export { startWithBudget, chooseInterval, sampleCostMicros, type BudgetOptions, type BudgetChoice } from './budget';
// Production: the pprof endpoint, deltas, the leak watch (README, "Production").
export { pprofHandler, type PprofHandler, type PprofHandlerOptions } from './http/pprof-handler';
export { listenPprof, type PprofListener, type PprofListenerOptions } from './http/pprof-listener';
export { snapshotDelta } from './snapshot-delta';
export {
  watchLeaks,
  LeakWatcher,
  formatLeak,
  type LeakWatchOptions,
  type LeakReport,
  type LeakWatch,
} from './leak-watch';
export { type PprofOptions } from './export/pprof';
// Production: dumps on demand (docs/production.md, "Get the dumps out").
export { dumpOnSignal, type DumpOnSignal, type DumpOnSignalOptions } from './dump-on-signal';
export { captureNearHeapLimit, type HeapLimitCapture } from './heap-limit-dump';
