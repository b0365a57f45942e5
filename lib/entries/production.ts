/**
 * `node-tracemalloc/production`: tracing a running service. A pprof HTTP
 * handler and listener, the delta between two snapshots, and the leak watch.
 * docs/production.md describes them.
 *
 * @module node-tracemalloc/production
 */
export { pprofHandler, type PprofHandler, type PprofHandlerOptions } from '../faces/http/pprof-handler';
export { listenPprof, type PprofListener, type PprofListenerOptions } from '../faces/http/pprof-listener';
export { snapshotDelta } from '../model/snapshot-delta';
export { dumpOnSignal, type DumpOnSignal, type DumpOnSignalOptions } from '../faces/dump-on-signal';
export { captureNearHeapLimit, type HeapLimitCapture } from '../tracer/heap-limit-dump';
export { serveThreadSnapshots, type ServeOptions } from '../tracer/threads/serve';
export {
  watchLeaks,
  LeakWatcher,
  formatLeak,
  type LeakWatchOptions,
  type LeakReport,
  type LeakWatch,
} from '../faces/leak-watch';
