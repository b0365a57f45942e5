/**
 * `node-tracemalloc/filters`: the filters reports apply by default (the
 * tracer's own files hidden), and the glob matcher `Filter` uses, with
 * Python's `fnmatch.fnmatchcase` rules.
 *
 * @module node-tracemalloc/filters
 */
export { TRACER_FILTERS, defaultReportFilters } from '../model/filter';
export { compileGlob, fnmatch, escapeGlob, type GlobMatcher, type GlobOptions } from '../model/fnmatch';
