// captureNearHeapLimit(): a dump and its top lines written when V8 is about
// to run out of JS heap (NODE_TRACEMALLOC_OOM_DUMP under register). The work
// is all native (native/heap_limit_dump.h): at that moment JS cannot be
// trusted to run, nor to allocate.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { argError, rethrowNative } from '../helpers/errors';
import { inliningEnabled } from './inlining';
import { native } from './native';
import { outputPathProblem } from '../helpers/output-path';
import { OWN_PREFIXES } from '../helpers/own-files';
import * as check from '../helpers/validate';

/** What {@link captureNearHeapLimit} returns. */
export interface HeapLimitCapture {
  /** Disarms it (nothing happens if it fired already). */
  close(): void;
}

/**
 * When the JS heap of this thread nears its limit (V8's near-heap-limit
 * callback, as Node's `--heapsnapshot-near-heap-limit`), writes a dump of
 * the traces to `file` and their top 20 lines, as `statistics('lineno')`
 * prints them, to `file.txt`; once. It is written natively, without running
 * JS: the limit is raised by 16 MiB for V8's own use meanwhile, and the
 * program then runs out of memory as it would have (16 MiB later), unless
 * its heap falls back under 95% of the initial limit. Samples of objects
 * still alive (the live view; with `allocated: true` before Node 26, every
 * sample). Source maps are not applied (that is JS): positions are those of
 * the code V8 ran. Arming again replaces the path. A line on stderr says what
 * was written, or why not.
 *
 * @example
 * tracemalloc.start(16, { interval: 512 * 1024 });
 * tracemalloc.captureNearHeapLimit(`/var/tmp/oom-${process.pid}.ntm`);
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NOT_TRACING`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`; `ERR_INVALID_ARG_VALUE` for a path that could never
 *   be written (missing directory, a directory or a device at the path)
 */
export function captureNearHeapLimit(file: string | URL): HeapLimitCapture {
  const given = file instanceof URL ? fileURLToPath(file) : file;
  if (typeof given !== 'string' || given === '') {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a path or file URL for file but received ${check.describe(file)}`);
  }
  const target = path.resolve(given);
  const problem = outputPathProblem(target) ?? outputPathProblem(`${target}.txt`);
  if (problem !== undefined) throw argError('ERR_INVALID_ARG_VALUE', `file: ${problem}`);
  const b = native();
  try {
    b.armHeapLimitDump(OWN_PREFIXES, target, threadId, inliningEnabled() ? 1 : 2);
  } catch (error) {
    rethrowNative(error);
  }
  return { close: () => b.disarmHeapLimitDump() };
}
