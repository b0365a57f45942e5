// Zero-code activation, like PYTHONTRACEMALLOC=25 / python -X tracemalloc=25:
//   NODE_TRACEMALLOC=25 node -r node-tracemalloc/register app.js
//   NODE_TRACEMALLOC=25 node --import node-tracemalloc/register app.mjs
// starts tracing before the program's first line, and on request writes a
// dump and a report when it ends: normally, by an uncaught error, or by
// SIGINT/SIGTERM. Settings come from the environment (lib/activation.ts);
// an invalid one stops the process before the program runs, so it never runs
// half-traced. `tracemalloc run` preloads this module in its child.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { ENV, readSettings, seriesPath, SettingError, type ActivationSettings } from './activation';
import { renderTop, colorFor } from './cli/report';
import { dumpSnapshot } from './dump';
import { startExtras } from './register-extras';
import type { Snapshot } from './snapshot';
import { applySourceMaps } from './source-maps';

type Tracer = typeof import('./tracemalloc');

const PREFIX = 'node-tracemalloc: ';
// Once per process even if two copies of the package are preloaded: the
// second would find V8's sampler taken.
const ACTIVE = Symbol.for('node-tracemalloc.register');

/** Writes a line to stderr now: at exit and before process.exit() an async write could be lost. */
function say(message: string): void {
  try {
    fs.writeSync(2, `${PREFIX}${message.replace(/\s*\n\s*/g, ' ')}\n`);
  } catch {
    // stderr closed: nowhere left to say it.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The tracing session: periodic dumps, and the last dump and report at exit. */
class Session {
  private dumps = 0;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracemalloc: Tracer,
    private readonly settings: ActivationSettings,
  ) {}

  begin(): void {
    const { output, report, snapshotEvery } = this.settings;
    // Tracing only, as PYTHONTRACEMALLOC: the program takes its own snapshots.
    if (output === undefined && report === 0) return;
    // Right after the main module's synchronous run, while its scripts still
    // live: V8 forgets a freed script's name and lines, and the addon
    // remembers them from every walk of the profile (native/script_memory.h).
    setImmediate(() => {
      try {
        this.learnScripts();
      } catch {
        // The sampler was lost or stopped: finish() says so at exit.
      }
    });
    if (snapshotEvery > 0) {
      // unref: a timer of ours must never keep the program alive.
      this.timer = setInterval(() => this.periodic(), snapshotEvery).unref();
    }
    process.on('exit', () => this.finish());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const onSignal = (): void => {
        // The program's own handler decides what the signal means: it may
        // exit (then 'exit' dumps) or carry on. Only the default, dying, is ours.
        if (process.listenerCount(signal) > 1) return;
        this.finish();
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal); // die of the signal, as without us (exit status 128 + n)
      };
      process.on(signal, onSignal);
    }
  }

  private learnScripts(): void {
    if (!this.tracemalloc.isTracing()) return;
    // A walk of V8's profile, with no columns built: the addon learns from it.
    this.tracemalloc.getTracedMemory();
  }

  private snapshot(): Snapshot {
    this.learnScripts();
    // A full GC first: the dump shows live objects, not garbage awaiting collection.
    const snapshot = this.tracemalloc.takeSnapshot({ gc: true });
    return this.settings.sourceMaps ? applySourceMaps(snapshot) : snapshot;
  }

  private write(snapshot: Snapshot): string | undefined {
    const { output, manifest } = this.settings;
    if (output === undefined) return undefined;
    const file = seriesPath(output, ++this.dumps);
    dumpSnapshot(snapshot, file);
    if (manifest !== undefined) fs.appendFileSync(manifest, `${file}\n`);
    this.pruneSeries();
    return file;
  }

  /** At most `keep` dumps of a `%n` series stay on disk: the oldest goes, the newest (the exit dump) stays. */
  private pruneSeries(): void {
    const { output, keep } = this.settings;
    const oldest = this.dumps - keep;
    if (output === undefined || oldest < 1 || seriesPath(output, oldest) === seriesPath(output, this.dumps)) return;
    if (oldest === 1) say(`keeping the last ${keep} dumps of the series, removing older ones (${ENV.KEEP}=all keeps every one)`);
    try {
      fs.rmSync(seriesPath(output, oldest), { force: true });
    } catch (error) {
      say(`cannot remove an old dump: ${messageOf(error)}`);
    }
  }

  private periodic(): void {
    try {
      this.write(this.snapshot());
    } catch (error) {
      say(`periodic dump failed, no more will be written: ${messageOf(error)}`);
      clearInterval(this.timer);
    }
  }

  /** The last dump and the report. Synchronous: it also runs in 'exit'. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    if (!this.tracemalloc.isTracing()) {
      say('not tracing at exit (the program called stop()?): no dump or report');
      return;
    }
    let snapshot: Snapshot;
    let file: string | undefined;
    try {
      snapshot = this.snapshot();
      file = this.write(snapshot);
    } catch (error) {
      say(`cannot write the dump at exit: ${messageOf(error)}`);
      return;
    }
    if (this.settings.report > 0) {
      const text = renderTop(snapshot, { key: 'lineno', top: this.settings.report, cumulative: false, include: [], exclude: [] }, {
        source: file ?? `process ${process.pid}`,
        cwd: process.cwd(),
        color: colorFor(process.stderr.isTTY === true, process.env),
      });
      try {
        fs.writeSync(2, text);
      } catch {
        // stderr closed
      }
    }
  }
}

function activate(): void {
  // Workers run preload modules too; each would trace its own isolate and
  // race the main thread for the same output file. The main thread only.
  if (!isMainThread) return;
  const global = globalThis as { [ACTIVE]?: boolean };
  if (global[ACTIVE] === true) return;
  global[ACTIVE] = true;
  let settings: ActivationSettings;
  try {
    settings = readSettings(process.env, {
      pid: process.pid,
      time: Math.floor(Date.now() / 1000),
      hostname: os.hostname(),
      cwd: process.cwd(),
    });
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    say(error.message);
    process.exit(1);
  }
  // Private to `tracemalloc run` and its child: not for the program's children.
  delete process.env[ENV.MANIFEST];
  if (settings.frames === 0) return;
  let tracer: Tracer;
  try {
    // Required here, not imported: an install without its dependencies
    // (node-gyp-build) gets this one line too, not a stack trace.
    tracer = require('./tracemalloc') as Tracer;
    tracer.start(settings.frames, { interval: settings.interval });
  } catch (error) {
    say(`cannot start tracing: ${messageOf(error).split('\n')[0]}`);
    process.exit(1);
  }
  new Session(tracer, settings).begin();
  // The pprof listener and the leak watch, when their variables ask (lib/register-extras.ts).
  startExtras(process.env, { sourceMaps: settings.sourceMaps, say });
}

activate();
