/**
 * Error codes thrown by node-tracemalloc, stable across versions.
 *
 * Argument problems are plain `TypeError`/`RangeError` with `code`
 * `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` or `ERR_INVALID_ARG_VALUE`, like
 * Node's own; state problems are {@link TracemallocError}s.
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
