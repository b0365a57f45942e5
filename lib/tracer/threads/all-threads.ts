// takeSnapshotAllThreads(): one snapshot of every traced thread of the process.
import { underJest } from '../../model/compiled-scripts';
import { TracemallocError } from '../../helpers/errors';
import { allThreadsOptions, threadCollector, type AllThreadsSnapshotOptions } from './collect';
import type { ThreadsSnapshot } from './merge';

/**
 * One snapshot of every traced thread: this thread's traces and those of each
 * worker traced by `node-tracemalloc/register` or `tracemalloc run` (or that
 * called `serveThreadSnapshots()`), each trace's `domain` its thread id (0
 * the main thread). Each thread takes its own snapshot with these options;
 * `snapshot.threads` lists every thread and whether its table is in: a
 * thread busy in synchronous code past `timeout` is `missing`, never waited
 * for longer. Threads traced with another interval or view are left out (missing, with why).
 * Call it on the main thread: it learns of the threads from their start on
 * (a worker's call knows only of those started after its first call).
 *
 * @example
 * const snapshot = await tracemalloc.takeSnapshotAllThreads({ gc: false, timeout: 1000 });
 * for (const t of snapshot.missing) console.warn(`thread ${t.threadId}: ${t.detail}`);
 * const worker3 = snapshot.filterTraces([new DomainFilter(true, 3)]);
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NOT_TRACING` when this thread is not tracing; as takeSnapshot() otherwise
 * @throws {TypeError} a bad option
 */
export async function takeSnapshotAllThreads(options?: AllThreadsSnapshotOptions): Promise<ThreadsSnapshot> {
  const { snapshot, timeout, exited } = allThreadsOptions(options);
  const tracer = require('../tracemalloc') as typeof import('../tracemalloc');
  if (!tracer.isTracing()) {
    throw new TracemallocError(
      'ERR_TRACEMALLOC_NOT_TRACING',
      'the tracemalloc module must be tracing memory allocations to take a snapshot',
    );
  }
  const sourceMaps = snapshot.sourceMaps ?? underJest();
  return threadCollector().collect(() => tracer.takeSnapshot({ ...snapshot, sourceMaps }), {
    ...snapshot,
    sourceMaps,
    timeout,
    exited,
    keepAlive: true,
  });
}
