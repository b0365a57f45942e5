/**
 * `node-tracemalloc/production`: tracing a running service. A pprof HTTP
 * handler and listener, the delta between two snapshots, and the leak watch.
 * docs/production.md describes them.
 *
 * @module node-tracemalloc/production
 */
export { pprofHandler, type PprofHandler, type PprofHandlerOptions } from '../http/pprof-handler';
export { listenPprof, type PprofListener, type PprofListenerOptions } from '../http/pprof-listener';
export { snapshotDelta } from '../snapshot-delta';
export { dumpOnSignal, type DumpOnSignal, type DumpOnSignalOptions } from '../dump-on-signal';
export { captureNearHeapLimit, type HeapLimitCapture } from '../heap-limit-dump';
export { serveThreadSnapshots, type ServeOptions } from '../threads/serve';
export {
  watchLeaks,
  LeakWatcher,
  formatLeak,
  type LeakWatchOptions,
  type LeakReport,
  type LeakWatch,
} from '../leak-watch';
