// Zero-code activation, like PYTHONTRACEMALLOC=25 / python -X tracemalloc=25:
//   NODE_TRACEMALLOC=25 node -r node-tracemalloc/register app.js
//   NODE_TRACEMALLOC=25 node --import node-tracemalloc/register app.mjs
// starts tracing before the program's first line, and on request writes a
// dump and a report when it exits through Node (normally, by an uncaught
// error, by process.exit()). Settings come from the environment
// (lib/faces/activation.ts). `tracemalloc run` preloads this module in its child.
//
// NODE_OPTIONS can preload it into every node process, npm included, so it
// must never stop one: without NODE_TRACEMALLOC it loads nothing more (no
// addon) and changes nothing; when tracing cannot start (a bad setting, no
// binary, the sampler taken by --heap-prof), NODE_TRACEMALLOC_ON_ERROR
// decides between running untraced after one line (the default) and exiting 1.
import * as os from 'node:os';
import { getEnvironmentData, isMainThread, threadId } from 'node:worker_threads';
import {
  ENV,
  errorPolicy,
  readSettings,
  SettingError,
  tracingRequested,
  type ActivationSettings,
} from './faces/activation';
import type { ExtraSettings } from './faces/register-extras';
import { THREAD_SETTINGS_KEY } from './tracer/threads/protocol';

// Once per process even if two copies of the package are preloaded: the
// second would find V8's sampler taken.
const ACTIVE = Symbol.for('node-tracemalloc.register');

type SessionModule = typeof import('./faces/register-session');
type ExtrasModule = typeof import('./faces/register-extras');

/** Tracing cannot start: one line, then exit 1 or run the program untraced, as NODE_TRACEMALLOC_ON_ERROR says. */
function cannotTrace(session: SessionModule, reason: string): void {
  if (errorPolicy(process.env) === 'fail') {
    session.say(reason);
    process.exit(1);
  }
  session.say(`${reason}; running without tracing (${ENV.ON_ERROR}=fail stops instead)`);
}

function activate(): void {
  // Workers run preload modules too: they trace with the main thread's
  // settings, if it published any, and hand it their tables; only the main
  // thread writes files (lib/tracer/threads/register-threads.ts).
  if (!isMainThread) {
    if (getEnvironmentData(THREAD_SETTINGS_KEY) === undefined) return;
    const { say, messageOf } = require('./faces/register-session') as SessionModule;
    try {
      (
        require('./tracer/threads/register-threads') as typeof import('./tracer/threads/register-threads')
      ).traceThisWorker(say);
    } catch (error) {
      say(`thread ${threadId}: cannot trace: ${messageOf(error).split('\n')[0]}; this thread runs untraced`);
    }
    return;
  }
  if (!tracingRequested(process.env)) return;
  const global = globalThis as { [ACTIVE]?: boolean };
  if (global[ACTIVE] === true) return;
  global[ACTIVE] = true;
  const session = require('./faces/register-session') as SessionModule;
  const extrasModule = require('./faces/register-extras') as ExtrasModule;
  let settings: ActivationSettings;
  let extras: ExtraSettings;
  try {
    settings = readSettings(process.env, {
      pid: process.pid,
      time: Math.floor(Date.now() / 1000),
      hostname: os.hostname(),
      cwd: process.cwd(),
    });
    // The pprof listener's and the leak watch's variables: a bad one is a bad setting like any other.
    extras = extrasModule.readExtras(settings.frames === 0 ? {} : process.env);
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    cannotTrace(session, error.message);
    return;
  } finally {
    // Private to `tracemalloc run` and its child: not for the program's children.
    delete process.env[ENV.MANIFEST];
    delete process.env[ENV.CONTROL];
  }
  if (settings.frames === 0) return;
  let tracer: typeof import('./tracer/tracemalloc');
  let threads: typeof import('./tracer/threads/register-threads');
  const { frames, interval, inlining } = settings;
  // The view matters only to our own dumps and report; tracing alone (the
  // program takes its own snapshots) is plain tracing, as PYTHONTRACEMALLOC.
  const view = settings.output !== undefined || settings.report > 0 ? settings.view : 'live';
  try {
    // Required here, not imported: an install without its binary or its
    // dependencies (node-gyp-build) gets one line too, not a stack trace.
    tracer = require('./tracer/tracemalloc') as typeof import('./tracer/tracemalloc');
    // Loaded before tracing starts, so that loading it is not traced.
    threads = require('./tracer/threads/register-threads') as typeof import('./tracer/threads/register-threads');
    tracer.start(frames, { interval, inlining, peak: view === 'peak', allocated: view === 'allocated' });
  } catch (error) {
    cannotTrace(session, `cannot start tracing: ${session.messageOf(error).split('\n')[0]}`);
    return;
  }
  // Workers created from now on trace with these settings and answer for the dumps.
  const { sourceMaps } = settings;
  const workers = {
    frames,
    interval,
    inlining,
    allocated: view === 'allocated',
    peak: view === 'peak',
    view,
    sourceMaps,
  };
  const traced = new session.Session(tracer, settings, threads.traceWorkerThreads(workers));
  traced.begin();
  if (settings.oomDump !== undefined) {
    try {
      (require('./tracer/heap-limit-dump') as typeof import('./tracer/heap-limit-dump')).captureNearHeapLimit(
        settings.oomDump,
      );
    } catch (error) {
      session.say(`cannot arm the dump near the heap limit: ${session.messageOf(error)}`);
    }
  }
  if (settings.control !== undefined && traced.writes) {
    (require('./faces/run-control') as typeof import('./faces/run-control')).startRunControl(traced, settings.control);
  }
  extrasModule.startExtras(extras, { sourceMaps: settings.sourceMaps, say: session.say });
}

activate();
