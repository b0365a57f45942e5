// The addon is loaded once per jest worker process and V8's sampler is one
// per isolate, so tracing state outlives a test: every suite that traces
// stops in afterEach through this hook.
import * as tm from '../../lib/tracer/tracemalloc';

export function stopTracingAfterEach(): void {
  afterEach(() => {
    tm.stop();
  });
}

/** Sum of size and count over the traces whose most recent frame is `functionName`. */
export function totalsFor(
  snapshot: import('../../lib/model/snapshot').Snapshot,
  functionName: string,
): { size: number; count: number } {
  let size = 0;
  let count = 0;
  for (const trace of snapshot.traces) {
    if (trace.traceback.at(-1)?.functionName === functionName) {
      size += trace.size;
      count += trace.count;
    }
  }
  return { size, count };
}
