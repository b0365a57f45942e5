/**
 * `node-tracemalloc/census`: live objects counted by constructor (a heap
 * snapshot's census, without tracing), diffs of two counts, and their text.
 *
 * @module node-tracemalloc/census
 */
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
} from '../tracer/census';
