/**
 * Error codes thrown by node-tracemalloc, stable across versions.
 *
 * Argument problems are plain `TypeError`/`RangeError` with `code`
 * `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` or `ERR_INVALID_ARG_VALUE` (the
 * last for unknown options), like Node's own; state problems are
 * {@link TracemallocError}s with one of these codes:
 *
 * | code | when |
 * |---|---|
 * | `ERR_TRACEMALLOC_NOT_TRACING` | `takeSnapshot()` while not tracing |
 * | `ERR_TRACEMALLOC_ALREADY_TRACING` | `measure()`, `limitMemory()`, `startWithBudget()` and friends while tracing: they need the sampler to themselves |
 * | `ERR_TRACEMALLOC_SAMPLER_BUSY` | another tool runs V8's sampler in this thread |
 * | `ERR_TRACEMALLOC_SAMPLER_LOST` | another tool replaced our sampler with its own; tracing has stopped |
 * | `ERR_TRACEMALLOC_TRACES_LOST` | another tool stopped our sampler, destroying the traces; reported once, tracing has restarted |
 * | `ERR_TRACEMALLOC_ABI_MISMATCH` | the binary was built for another Node ABI |
 * | `ERR_TRACEMALLOC_NO_BINARY` | the addon is missing: tracing is impossible, dumps and reports still work |
 * | `ERR_TRACEMALLOC_TEARDOWN` | the heap counters read while the thread's environment is shutting down (at exit) |
 * | `ERR_TRACEMALLOC_CENSUS_BUSY` | `countObjects()` called from inside a census |
 * | `ERR_TRACEMALLOC_CENSUS_FAILED` | V8 gave no heap snapshot for a census |
 * | `ERR_TRACEMALLOC_VIEW_UNAVAILABLE` | `takeSnapshot({ view })` for a view tracing was not started for; `peak` with `allocated`, or the live view of `allocated`, before Node 26 |
 * | `ERR_TRACEMALLOC_OUTPUT_TOO_LARGE` | an export or report would be larger than its limit (docs/formats.md, "Deep stacks"); the CLI prints it as one line and exits 1 |
 * | `ERR_TRACEMALLOC_OUT_OF_MEMORY` | the addon could not allocate the tables to convert V8's profile (sample less) |
 * | `ERR_TRACEMALLOC_NATIVE` | any other C++ exception in the addon, turned into a JS error instead of aborting the process |
 *
 * Dumps that cannot be read throw {@link DumpFormatError} (`ERR_TRACEMALLOC_BAD_DUMP`).
 */
export type TracemallocErrorCode =
  | 'ERR_TRACEMALLOC_NOT_TRACING'
  | 'ERR_TRACEMALLOC_ALREADY_TRACING'
  | 'ERR_TRACEMALLOC_SAMPLER_BUSY'
  | 'ERR_TRACEMALLOC_SAMPLER_LOST'
  | 'ERR_TRACEMALLOC_TRACES_LOST'
  | 'ERR_TRACEMALLOC_ABI_MISMATCH'
  | 'ERR_TRACEMALLOC_NO_BINARY'
  | 'ERR_TRACEMALLOC_TEARDOWN'
  | 'ERR_TRACEMALLOC_CENSUS_BUSY'
  | 'ERR_TRACEMALLOC_CENSUS_FAILED'
  | 'ERR_TRACEMALLOC_VIEW_UNAVAILABLE'
  | 'ERR_TRACEMALLOC_OUTPUT_TOO_LARGE'
  | 'ERR_TRACEMALLOC_OUT_OF_MEMORY'
  | 'ERR_TRACEMALLOC_NATIVE';

/**
 * A state error: not tracing, another tool owns V8's sampler, the binary is
 * missing or built for another Node. `code` says which.
 *
 * @example
 * try { tracemalloc.takeSnapshot(); }
 * catch (e) { if (e instanceof TracemallocError && e.code === 'ERR_TRACEMALLOC_NOT_TRACING') ... }
 */
export class TracemallocError extends Error {
  /** Which error: see {@link TracemallocErrorCode}. */
  readonly code: TracemallocErrorCode;

  constructor(code: TracemallocErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TracemallocError';
    this.code = code;
  }
}

/** Narrows an unknown thrown value to one carrying a string `code`. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Re-throws a state error from the binding as a {@link TracemallocError}. */
export function rethrowNative(error: unknown): never {
  const code = errorCode(error);
  if (code !== undefined && code.startsWith('ERR_TRACEMALLOC_') && error instanceof Error) {
    throw new TracemallocError(code as TracemallocErrorCode, error.message, { cause: error });
  }
  throw error;
}

/** The codes of argument errors, as Node's own (a RangeError for ERR_OUT_OF_RANGE, else a TypeError). */
export type ArgErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/** The one way an argument error is made: Node's class for `code`, carrying `code`. */
export function argError(code: 'ERR_OUT_OF_RANGE', message: string): RangeError & { code: ArgErrorCode };
export function argError(code: ArgErrorCode, message: string): (TypeError | RangeError) & { code: ArgErrorCode };
export function argError(code: ArgErrorCode, message: string): (TypeError | RangeError) & { code: ArgErrorCode } {
  const error = code === 'ERR_OUT_OF_RANGE' ? new RangeError(message) : new TypeError(message);
  return Object.assign(error, { code });
}
