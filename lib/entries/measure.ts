/**
 * `node-tracemalloc/measure`: allocation numbers for benchmarks and tests.
 * `measure()` (bytes and objects per call), GC-accounting counters, leak
 * checks, limits for `node:test` and other runners, bench-harness adapters
 * (tinybench, mitata). The jest matchers are `node-tracemalloc/jest`.
 *
 * @module node-tracemalloc/measure
 */
export { measure, measureAsync, type MeasureOptions, type MeasureResult } from '../measure/measure';
export { allocatedBytes, allocationCounter, type AllocationCounter } from '../tracer/counter';
export { checkLeaks, type LeakOptions, type LeakResult } from '../measure/leaks';
export {
  withAllocations,
  allocationColumns,
  addAllocationColumns,
  type Tasks,
  type AllocationRow,
  type AllocationColumns,
} from '../measure/bench-adapters';
export { topSites, formatTopSites, formatStacks } from '../measure/report';
export {
  limitMemory,
  limitLeaks,
  MemoryLimitError,
  type LimitKind,
  type LimitMemoryOptions,
  type LimitLeaksOptions,
  type LeakFilter,
  type MemoryReport,
  type LeakReport,
} from '../measure/limits';
export { parseSize, type Size } from '../helpers/size';
