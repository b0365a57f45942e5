// Every worker traced like the main thread under register and `tracemalloc
// run`. The main thread publishes its settings as worker_threads environment
// data, which each Worker (and each worker's workers) receives as it is
// created; register, preloaded in workers too (Node passes -r/--import and
// NODE_OPTIONS on), starts tracing there with them and answers the main
// thread's requests for tables. Workers never write files: the main thread
// merges their tables into its own dumps and report.
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';
import { serveThreadSnapshots } from './serve';
import { threadCollector, type ThreadCollector } from './collect';
import { THREAD_SETTINGS_KEY, warmMessageEvents, type ThreadSettings } from './protocol';
import * as tracer from '../tracemalloc';
import { isSnapshotView } from '../../model/views';

/** On the main thread, once tracing runs: workers created from now on trace with `settings`. */
export function traceWorkerThreads(settings: ThreadSettings): ThreadCollector {
  setEnvironmentData(THREAD_SETTINGS_KEY, { ...settings });
  const collector = threadCollector();
  serveThreadSnapshots();
  return collector;
}

/** Creates a worker of our own (lib/faces/run-control.ts's relay) that must not be traced, whatever preloads it. */
export function untracedWorker<T>(make: () => T): T {
  const settings = getEnvironmentData(THREAD_SETTINGS_KEY);
  if (settings === undefined) return make();
  setEnvironmentData(THREAD_SETTINGS_KEY, undefined);
  try {
    return make();
  } finally {
    setEnvironmentData(THREAD_SETTINGS_KEY, settings);
  }
}

function isThreadSettings(value: unknown): value is ThreadSettings {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Record<keyof ThreadSettings, unknown>>;
  return (
    typeof s.frames === 'number' &&
    typeof s.interval === 'number' &&
    typeof s.inlining === 'boolean' &&
    typeof s.allocated === 'boolean' &&
    typeof s.peak === 'boolean' &&
    isSnapshotView(s.view) &&
    typeof s.sourceMaps === 'boolean'
  );
}

/** In a worker, from register: traces it with the main thread's settings, if it published any. */
export function traceThisWorker(say: (message: string) => void): void {
  const settings = getEnvironmentData(THREAD_SETTINGS_KEY);
  if (!isThreadSettings(settings)) return;
  const { frames, interval, inlining, allocated, peak } = settings;
  // This worker will receive our requests as message events, and from Node
  // 22 on the first one loads undici for its MessageEvent class: about 10 MB
  // allocated, which would top the worker's table. Loaded before tracing
  // starts (20-70 ms and 3-4 MB per worker, measured; nothing on Node 20).
  warmMessageEvents();
  try {
    tracer.start(frames, { interval, inlining, allocated, peak });
  } catch (error) {
    // The worker runs on untraced; the program is not ours to stop.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    say(`thread ${threadId}: cannot start tracing: ${reason}; this thread runs untraced`);
    return;
  }
  serveThreadSnapshots({ exitView: settings.view, sourceMaps: settings.sourceMaps });
}
