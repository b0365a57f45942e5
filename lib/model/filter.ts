// Python's Filter, DomainFilter and Snapshot.filter_traces over the columnar
// ProfileTable: each filter is tested once per frame row and stack row
// (memoized in typed arrays), then once per sample by an array lookup.
import { argError } from '../helpers/errors';
import { OWN_DIRS } from '../helpers/own-files';
import { parentsFirst } from './stack-walk';
import * as path from 'node:path';
import { compileGlob, escapeGlob, type GlobMatcher } from './fnmatch';
import { UNKNOWN_FILENAME } from './frame';
import type { Snapshot } from './snapshot';
import type { ProfileTable } from './table';
import type { Trace } from './trace';
import type { Traceback } from './traceback';
import * as check from '../helpers/validate';

function optionalInteger(value: unknown, name: string, max: number): number | undefined {
  return value === undefined || value === null ? undefined : check.integerInRange(value, name, 0, max);
}

/**
 * Base class of trace filters (Python's `BaseFilter`). Subclass it to filter
 * on anything: {@link Snapshot.filterTraces} calls `match(trace)` once per
 * trace for a custom subclass (a `Trace` object per sample: slower than the
 * built-in filters, which never make one).
 */
export abstract class BaseFilter {
  /** Inclusive: keep only matching traces. Exclusive: drop matching traces. */
  readonly inclusive: boolean;

  constructor(inclusive: boolean) {
    this.inclusive = check.boolean(inclusive, 'inclusive');
  }

  /** True when the trace passes this filter (Python's `_match`): kept, as far as this filter goes. */
  abstract match(trace: Trace): boolean;
}

/**
 * Filters traces by the filename (a glob, Python's fnmatch rules) and line of
 * their frames, as Python's `tracemalloc.Filter`.
 *
 * Without `allFrames`, only the most recent frame is tested: an inclusive
 * filter keeps traces allocated directly in the matching file; an exclusive
 * one drops them. As in statistics, the most recent frame is the most recent
 * one with a script: what `split` allocates for `parse.js` is tested as
 * `parse.js`'s (builtins are tested only when no caller has a script).
 * With `allFrames`, a trace matches when any frame matches.
 * `lineno` restricts the match to that line (a function's start line). With
 * `domain`, an inclusive filter also requires that domain (thread id); an
 * exclusive one drops only matching traces of that domain.
 *
 * Patterns match whole paths, case-sensitively except on Windows (like
 * Python); `*` matches across `/`, so `*.mjs` matches every ES module file.
 * Unlike Python, `.pyc` is not turned into `.py`. A trace with no frames is
 * tested as `<unknown>:0`, the frame Python records for it.
 *
 * @example
 * snapshot.filterTraces([
 *   new Filter(false, '<unknown>'),
 *   new Filter(false, 'node:*'),
 *   new Filter(true, '/srv/app/*', undefined, true),
 * ]);
 * @throws {TypeError} a wrong argument type (`ERR_INVALID_ARG_TYPE`)
 * @throws {RangeError} `lineno` or `domain` not a non-negative integer (`ERR_OUT_OF_RANGE`)
 */
export class Filter extends BaseFilter {
  /** The glob filenames are matched against, as given. */
  readonly filenamePattern: string;
  /** Line to match (a function's start line); `undefined` matches any line. */
  readonly lineno: number | undefined;
  /** Test every frame of the traceback, not only the most recent one. */
  readonly allFrames: boolean;
  /** Domain (thread id) the filter applies to; `undefined` for every domain. */
  readonly domain: number | undefined;
  private readonly matcher: GlobMatcher;

  constructor(
    inclusive: boolean,
    filenamePattern: string,
    lineno?: number | null,
    allFrames: boolean = false,
    domain?: number | null,
  ) {
    super(inclusive);
    if (typeof filenamePattern !== 'string') {
      const message = `Expected a string for filenamePattern but received ${typeof filenamePattern}`;
      throw argError('ERR_INVALID_ARG_TYPE', message);
    }
    this.filenamePattern = filenamePattern;
    this.lineno = optionalInteger(lineno, 'lineno', Number.MAX_SAFE_INTEGER);
    this.allFrames = check.boolean(allFrames, 'allFrames');
    this.domain = optionalInteger(domain, 'domain', 0xffffffff);
    // Compiled once: filtering tests it once per distinct frame.
    this.matcher = compileGlob(filenamePattern);
    // Immutable, as Python's read-only attributes: the compiled matcher must stay in step.
    Object.freeze(this);
  }

  /**
   * True when a frame at `filename`:`lineno` matches the pattern and line,
   * whether the filter is inclusive or not (Python's `_match_frame_impl`).
   *
   * @example new Filter(true, '*.js', 12).matchFrame('/app/a.js', 12) // true
   */
  matchFrame(filename: string, lineno: number): boolean {
    return this.matcher(filename) && (this.lineno === undefined || lineno === this.lineno);
  }

  /**
   * True when a trace with this traceback passes the filter, domain aside
   * (Python's `_match_traceback`).
   */
  matchTraceback(traceback: Traceback): boolean {
    let matched: boolean;
    if (traceback.length === 0) {
      matched = this.matchFrame(UNKNOWN_FILENAME, 0);
    } else if (this.allFrames) {
      matched = false;
      for (const frame of traceback) {
        if (this.matchFrame(frame.filename, frame.lineno)) {
          matched = true;
          break;
        }
      }
    } else {
      // The most recent frame with a script (builtins act for their caller), else the most recent.
      const scripted = traceback.scriptedIndex();
      const frame = traceback.at(scripted >= 0 ? scripted : -1);
      matched = frame !== undefined && this.matchFrame(frame.filename, frame.lineno);
    }
    return matched === this.inclusive;
  }

  /** True when the trace passes the filter (Python's `_match`). */
  override match(trace: Trace): boolean {
    const result = this.matchTraceback(trace.traceback);
    if (this.domain === undefined) return result;
    return this.inclusive ? result && trace.domain === this.domain : result || trace.domain !== this.domain;
  }
}

/**
 * Filters traces by domain (thread id), as Python's `tracemalloc.DomainFilter`.
 *
 * @example
 * const { threadId } = require('node:worker_threads');
 * snapshot.filterTraces([new DomainFilter(true, threadId)]); // this thread only
 * @throws {TypeError} `inclusive` not a boolean (`ERR_INVALID_ARG_TYPE`)
 * @throws {RangeError} `domain` not a non-negative integer (`ERR_OUT_OF_RANGE`)
 */
export class DomainFilter extends BaseFilter {
  /** Domain (thread id) matched. */
  readonly domain: number;

  constructor(inclusive: boolean, domain: number) {
    super(inclusive);
    this.domain = check.integerInRange(domain, 'domain', 0, 0xffffffff);
    Object.freeze(this);
  }

  override match(trace: Trace): boolean {
    return (trace.domain === this.domain) === this.inclusive;
  }
}

/**
 * Filters hiding node-tracemalloc's own files (its `lib/` and `dist/`):
 * traces whose most recent frame is ours. Snapshots already leave out the
 * running copy's samples; these also cover the other copy and snapshots
 * loaded from dumps. Node's internals (`node:*`) are not hidden.
 *
 * @example snapshot.filterTraces(TRACER_FILTERS)
 */
export const TRACER_FILTERS: readonly Filter[] = Object.freeze(
  OWN_DIRS.map((dir) => new Filter(false, escapeGlob(dir + path.sep) + '*')),
);

/**
 * The filters reports apply unless told otherwise: a fresh array of
 * {@link TRACER_FILTERS}, to extend.
 *
 * @example snapshot.filterTraces([...defaultReportFilters(), new Filter(false, 'node:*')])
 */
export function defaultReportFilters(): Filter[] {
  return [...TRACER_FILTERS];
}

function filterList(filters: unknown): BaseFilter[] {
  if (typeof filters !== 'object' || filters === null || !(Symbol.iterator in filters)) {
    // Python's message; a string is refused too (it would iterate characters).
    const kind = filters === null ? 'null' : typeof filters === 'object' ? filters.constructor?.name : typeof filters;
    throw argError('ERR_INVALID_ARG_TYPE', `filters must be a list of filters, not ${kind}`);
  }
  const list = [...(filters as Iterable<unknown>)];
  list.forEach((f, i) => {
    if (!(f instanceof BaseFilter)) {
      const message = `filters[${i}] is not a Filter, DomainFilter or BaseFilter`;
      throw argError('ERR_INVALID_ARG_TYPE', message);
    }
  });
  return list as BaseFilter[];
}

const UNKNOWN = 0;
const NO = 1;
const YES = 2;

// How a filter's domain combines with its traceback result (Python's _match).
const ANY_DOMAIN = 0;
const AND_DOMAIN = 1; // inclusive: result and domain == d
const OR_OTHER_DOMAIN = 2; // exclusive: result or domain != d

/**
 * A filter compiled against one table. Built-in filters share this shape so
 * that the per-sample loop stays monomorphic: a memo read per sample, the
 * traceback test once per stack row. A custom BaseFilter gets `custom`,
 * called with each sample row.
 */
interface Plan {
  /** Traceback result per stack row (inclusive applied): UNKNOWN, NO or YES; the last slot is for no frames. */
  readonly stackResult: Uint8Array;
  readonly resolve: (stack: number) => boolean;
  readonly rule: number;
  readonly domain: number;
  readonly custom: ((row: number) => boolean) | null;
}

function filterPlan(snapshot: Snapshot, filter: Filter): Plan {
  const { stackFrame, stackParent } = snapshot.table;
  const nStacks = stackFrame.length;
  const frameMatch = new Uint8Array(snapshot.table.frameName.length);
  const matchRow = (f: number): boolean => {
    if (frameMatch[f] === UNKNOWN) {
      const frame = snapshot.frame(f);
      frameMatch[f] = filter.matchFrame(frame.filename, frame.lineno) ? YES : NO;
    }
    return frameMatch[f] === YES;
  };
  // allFrames: does this row or a caller match? Every row, from its caller's answer, on first use.
  let anyMatch: Uint8Array | undefined;
  const matchAny = (s: number): boolean => {
    if (anyMatch === undefined) {
      const rows = new Uint8Array(nStacks);
      parentsFirst(stackParent, (r, p) => {
        rows[r] = (p >= 0 && rows[p] === YES) || matchRow(stackFrame[r]) ? YES : NO;
      });
      anyMatch = rows;
    }
    return anyMatch[s] === YES;
  };
  // The most recent frame is the one statistics key the trace by: the
  // nearest with a script, past builtins (lib/model/attribution.ts).
  const { scripted } = snapshot.attribution();
  const resolve = (s: number): boolean => {
    let matched: boolean;
    if (s >= nStacks) matched = filter.matchFrame(UNKNOWN_FILENAME, 0);
    else matched = filter.allFrames ? matchAny(s) : matchRow(stackFrame[scripted[s] >= 0 ? scripted[s] : s]);
    return matched === filter.inclusive;
  };
  const rule = filter.domain === undefined ? ANY_DOMAIN : filter.inclusive ? AND_DOMAIN : OR_OTHER_DOMAIN;
  return { stackResult: new Uint8Array(nStacks + 1), resolve, rule, domain: filter.domain ?? 0, custom: null };
}

function plan(snapshot: Snapshot, filter: BaseFilter): Plan {
  if (filter instanceof Filter) return filterPlan(snapshot, filter);
  const stackResult = new Uint8Array(snapshot.table.stackFrame.length + 1);
  if (filter instanceof DomainFilter) {
    // (domain == d) XOR not inclusive: a constant traceback result plus Python's domain rule.
    const { inclusive } = filter;
    stackResult.fill(inclusive ? YES : NO);
    const rule = inclusive ? AND_DOMAIN : OR_OTHER_DOMAIN;
    return { stackResult, resolve: () => inclusive, rule, domain: filter.domain, custom: null };
  }
  const custom = (row: number): boolean => filter.match(snapshot.trace(row));
  return { stackResult, resolve: () => true, rule: ANY_DOMAIN, domain: 0, custom };
}

function passes(p: Plan, row: number, stack: number, domain: number): boolean {
  if (p.custom !== null) return p.custom(row);
  let result = p.stackResult[stack];
  if (result === UNKNOWN) {
    result = p.resolve(stack) ? YES : NO;
    p.stackResult[stack] = result;
  }
  if (p.rule === ANY_DOMAIN) return result === YES;
  return p.rule === AND_DOMAIN ? result === YES && domain === p.domain : result === YES || domain !== p.domain;
}

// One copy function per element type: a generic one sees several typed array
// kinds at one load site and V8 deoptimizes it to a slow generic access.
function pickU32(column: Uint32Array, rows: Uint32Array): Uint32Array {
  const out = new Uint32Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = column[rows[j]];
  return out;
}

function pickF64(column: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = column[rows[j]];
  return out;
}

/**
 * Implements {@link Snapshot.filterTraces} (Python's `filter_traces`): the
 * table of the traces kept. Frames, stacks and strings are shared with the
 * source table (read-only); sample columns are new. Cost: O(samples ×
 * filters) array reads plus one test per frame row and stack row per filter.
 * @internal
 */
export function filterTable(snapshot: Snapshot, filters: Iterable<BaseFilter>): ProfileTable {
  const list = filterList(filters);
  const t = snapshot.table;
  const n = t.sampleStack.length;
  const include = list.filter((f) => f.inclusive).map((f) => plan(snapshot, f));
  const exclude = list.filter((f) => !f.inclusive).map((f) => plan(snapshot, f));
  const { sampleStack, sampleDomain } = t;
  const noFrames = t.stackFrame.length; // the plans' slot for samples without a stack row
  const kept = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const stack = Math.min(sampleStack[i], noFrames);
    const domain = sampleDomain[i];
    // Inclusive filters are OR-ed; any exclusive filter the trace fails drops it.
    let pass = include.length === 0;
    for (let k = 0; !pass && k < include.length; k++) pass = passes(include[k], i, stack, domain);
    for (let k = 0; pass && k < exclude.length; k++) pass = passes(exclude[k], i, stack, domain);
    if (pass) kept[count++] = i;
  }
  const rows = kept.subarray(0, count);
  return {
    ...t,
    sampleStack: pickU32(t.sampleStack, rows),
    sampleSize: pickF64(t.sampleSize, rows),
    sampleCount: pickF64(t.sampleCount, rows),
    sampleId: pickF64(t.sampleId, rows),
    sampleDomain: pickU32(t.sampleDomain, rows),
  };
}
