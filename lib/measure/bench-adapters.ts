// B/op and allocs/op columns for any benchmark harness (tinybench, mitata,
// benchmark.js, your own loop): measure the same named functions the harness
// times, then merge the rows into its table. Measuring happens outside the
// harness's timed runs, since exact tracing slows code 15-190×.
import { argError } from '../helpers/errors';
import * as check from '../helpers/validate';
import { measureAsync, type MeasureOptions } from './measure';
import { formatPerCall } from './report';

/** Named functions to measure: an object or `[name, fn]` pairs (a `Map` works). */
export type Tasks = Readonly<Record<string, () => unknown>> | Iterable<readonly [string, () => unknown]>;

/** One task's allocation figures; see {@link MeasureResult} for each. */
export interface AllocationRow {
  /** The task's name. */
  name: string;
  /** Bytes allocated per call. */
  bytesPerOp: number;
  /** Objects allocated per call. */
  allocsPerOp: number;
  /** See {@link MeasureResult.retainedBytes}. */
  retainedBytes: number;
  /** The figures are exact steady-state ones (see `MeasureResult.exact`). */
  exact: boolean;
}

/** The columns {@link allocationColumns} adds, named as Go's `-benchmem` prints them. */
export interface AllocationColumns {
  /** Bytes allocated per call. */
  'B/op': number;
  /** Objects allocated per call. */
  'allocs/op': number;
}

function entries(tasks: Tasks): [string, () => unknown][] {
  if (typeof tasks !== 'object' || tasks === null) {
    throw argError(
      'ERR_INVALID_ARG_TYPE',
      'Expected an object of named functions or an iterable of [name, fn] pairs for tasks',
    );
  }
  const list: [string, () => unknown][] =
    Symbol.iterator in tasks
      ? [...(tasks as Iterable<readonly [string, () => unknown]>)].map(([name, fn]) => [name, fn])
      : Object.entries(tasks as Readonly<Record<string, () => unknown>>);
  for (const [name, fn] of list) {
    if (typeof name !== 'string' || typeof fn !== 'function') {
      throw argError('ERR_INVALID_ARG_TYPE', `Expected a name and a function for task ${String(name)}`);
    }
  }
  return list;
}

/**
 * Measures each task with `measure` (exact; sync or async), one after the
 * other, and returns one row per task, in order. Always a promise: harness
 * code is async anyway, and tasks may be.
 *
 * @example
 * const rows = await withAllocations({ 'JSON.parse': () => JSON.parse(text), 'custom': () => parse(text) });
 * console.table(rows);
 * @throws {TypeError} `tasks` is not a set of named functions; a bad option (as `measure`)
 * @throws {TracemallocError} `ERR_TRACEMALLOC_ALREADY_TRACING` while tracing (as `measure`)
 */
export async function withAllocations(tasks: Tasks, options?: MeasureOptions): Promise<AllocationRow[]> {
  const list = entries(tasks);
  check.options(options, 'options', ['iterations', 'warmup', 'frames', 'maxRounds', 'retained'] as const);
  const rows: AllocationRow[] = [];
  for (const [name, fn] of list) {
    const r = await measureAsync(fn, options);
    rows.push({
      name,
      bytesPerOp: r.bytesPerOp,
      allocsPerOp: r.allocsPerOp,
      retainedBytes: r.retainedBytes,
      exact: r.exact,
    });
  }
  return rows;
}

/**
 * `{ 'B/op', 'allocs/op' }` of a row, rounded to two decimals, for a table.
 *
 * @example
 * console.table(rows.map((row) => ({ name: row.name, ...allocationColumns(row) })));
 * @throws never
 */
export function allocationColumns(row: AllocationRow): AllocationColumns {
  return { 'B/op': Number(formatPerCall(row.bytesPerOp)), 'allocs/op': Number(formatPerCall(row.allocsPerOp)) };
}

/**
 * Adds the `B/op` and `allocs/op` columns to a harness's table rows, matched
 * by task name in `nameKey` (tinybench's `bench.table()` uses `'Task name'`).
 * Rows without a match (or `null` rows) are returned as they are.
 *
 * @example
 * console.table(addAllocationColumns(bench.table(), await withAllocations(tasks)));
 * @throws never
 */
export function addAllocationColumns<Row extends Record<string, unknown>>(
  table: readonly (Row | null | undefined)[],
  rows: readonly AllocationRow[],
  nameKey = 'Task name',
): (Row | (Row & AllocationColumns) | null | undefined)[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  return table.map((entry) => {
    if (entry === null || entry === undefined) return entry;
    const row = byName.get(String(entry[nameKey]));
    return row === undefined ? entry : { ...entry, ...allocationColumns(row) };
  });
}
