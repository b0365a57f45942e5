// The tracing session of zero-code activation (lib/register.ts): periodic
// dumps, dumps on a signal, and the last dump and report when the program
// exits through Node. Loaded only when tracing was asked for.
import { type ActivationSettings } from './activation';
import { DumpSeries, messageOf, reportToStderr, say } from './dump-series';
import { listenForSignal } from './dump-signal';
import type { Snapshot } from '../model/snapshot';
import { applySourceMaps } from '../model/source-maps';
import { DEFAULT_THREAD_TIMEOUT, type ThreadCollector } from '../tracer/threads/collect';
import { missingThreads } from '../tracer/threads/select';

export { messageOf, say };

export type Tracer = typeof import('../tracer/tracemalloc');

export class Session {
  private readonly series: DumpSeries | undefined;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private onSignal: { close(): void } | undefined;
  // Inside a snapshot or a write. lib/faces/run-control.ts runs finishThen() from
  // a V8 interrupt, which can land in the middle of our own JS: then it waits
  // for that work to end instead of nesting a second snapshot in it.
  private working = false;
  private afterWork: (() => void) | undefined;
  // A dump waiting for the workers' tables (lib/tracer/threads/).
  private collecting = false;
  private readonly saidMissing = new Set<number>();

  constructor(
    private readonly tracemalloc: Tracer,
    private readonly settings: ActivationSettings,
    /** Merges the workers' tables into every dump and the report; undefined for this thread only. */
    private readonly threads?: ThreadCollector,
  ) {
    const { output, keep, manifest } = settings;
    this.series = output === undefined ? undefined : new DumpSeries({ output, keep, manifest });
  }

  /** True when there is something to write: a dump path or a report. */
  get writes(): boolean {
    return this.settings.output !== undefined || this.settings.report > 0;
  }

  begin(): void {
    // Tracing only, as PYTHONTRACEMALLOC: the program takes its own snapshots.
    if (!this.writes) return;
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
    if (this.settings.snapshotEvery > 0) {
      // unref: a timer of ours must never keep the program alive.
      this.timer = setInterval(() => this.periodic(), this.settings.snapshotEvery).unref();
    }
    // Opt-in, and never SIGINT or SIGTERM (lib/faces/dump-signal.ts): the program
    // goes on, so replacing the signal's default action is the point. It runs
    // when the event loop is free, like any JS signal handler.
    const { signal } = this.settings;
    if (signal !== undefined) this.onSignal = listenForSignal(signal, () => this.onDemand(signal));
    // No handlers for the signals that end a program: a JS handler replaces
    // the default action, and runs only when the event loop is free, so a busy
    // or blocked program would no longer die of SIGTERM or SIGINT. Such a signal ends the program as
    // it would untraced; `tracemalloc run` relays signals to finishThen()
    // (lib/faces/run-control.ts) to dump first.
    process.on('exit', () => this.finish());
  }

  private learnScripts(): void {
    if (!this.tracemalloc.isTracing()) return;
    // A walk of V8's profile, with no columns built: the addon learns from it.
    this.tracemalloc.getTracedMemory();
  }

  private snapshot(): Snapshot {
    this.learnScripts();
    // A full GC first: the dump shows live objects, not garbage awaiting collection.
    const snapshot = this.tracemalloc.takeSnapshot({ gc: true, view: this.settings.view, sourceMaps: false });
    return this.settings.sourceMaps ? applySourceMaps(snapshot) : snapshot;
  }

  private write(snapshot: Snapshot): string | undefined {
    return this.series?.write(snapshot);
  }

  /** The dump and the report (when asked for) of `snapshot`. @throws the dump's errors */
  private writeWithReport(snapshot: Snapshot): void {
    const file = this.write(snapshot);
    this.sayMissing(snapshot, file);
    if (this.settings.report > 0) reportToStderr(snapshot, this.settings.report, file ?? `process ${process.pid}`);
  }

  private work(task: () => void): void {
    this.working = true;
    try {
      task();
    } finally {
      this.working = false;
      const next = this.afterWork;
      this.afterWork = undefined;
      next?.();
    }
  }

  private periodic(): void {
    this.dumpAll(false, (error) => {
      say(`periodic dump failed, no more will be written: ${messageOf(error)}`);
      clearInterval(this.timer);
    });
  }

  /** A dump (and the report) on the signal; the program goes on, whatever happens. */
  private onDemand(signal: NodeJS.Signals): void {
    this.dumpAll(true, (error) => say(`cannot write the dump asked for by ${signal}: ${messageOf(error)}`));
  }

  /** A dump of every thread while the program runs; the workers answer while this thread goes on. */
  private dumpAll(report: boolean, failed: (error: unknown) => void): void {
    if (this.finished) return;
    if (this.collecting) {
      if (report) say('a dump of every thread is being collected already: this signal adds none');
      return;
    }
    const written = (snapshot: Snapshot): void => {
      if (report) this.writeWithReport(snapshot);
      else this.sayMissing(snapshot, this.write(snapshot));
    };
    const threads = this.threads;
    if (threads === undefined) {
      this.work(() => {
        try {
          written(this.snapshot());
        } catch (error) {
          failed(error);
        }
      });
      return;
    }
    this.collecting = true;
    threads
      .collect(() => this.ownSnapshot(), this.threadOptions())
      .then((merged) => {
        if (!this.finished) this.work(() => written(merged));
      })
      .catch(failed)
      .finally(() => {
        this.collecting = false;
      });
  }

  /** This thread's snapshot, marked as work (run-control's interrupt must not nest a dump in it). */
  private ownSnapshot(): Snapshot {
    let snapshot: Snapshot | undefined;
    this.work(() => {
      snapshot = this.snapshot();
    });
    return snapshot as Snapshot;
  }

  /** The workers' snapshots as this thread's own; never what keeps the program alive. */
  private threadOptions() {
    const { view, sourceMaps } = this.settings;
    return { gc: true, view, sourceMaps, timeout: DEFAULT_THREAD_TIMEOUT, exited: true, keepAlive: false };
  }

  /** One line per thread whose table is not in a dump, the first time only. */
  private sayMissing(snapshot: Snapshot, file: string | undefined): void {
    for (const line of missingThreads(snapshot, this.saidMissing, file)) say(line);
  }

  /** The last dump and report now, then `then` (at once if they are already written). */
  finishThen(then: () => void): void {
    if (this.working) {
      const earlier = this.afterWork;
      this.afterWork = () => {
        earlier?.();
        this.finishThen(then);
      };
      return;
    }
    this.finish();
    then();
  }

  /** The last dump and the report. Synchronous: it also runs in 'exit'. */
  private finish(): void {
    if (this.finished || !this.writes) return;
    this.finished = true;
    clearInterval(this.timer);
    this.onSignal?.close();
    this.work(() => this.writeLast());
  }

  private writeLast(): void {
    if (!this.tracemalloc.isTracing()) {
      say('not tracing at exit (the program called stop()?): no dump or report');
      return;
    }
    try {
      // At exit nothing can be awaited: the workers, still running, are polled.
      this.writeWithReport(this.threads?.collectSync(() => this.snapshot(), this.threadOptions()) ?? this.snapshot());
    } catch (error) {
      say(`cannot write the dump at exit: ${messageOf(error)}`);
    }
  }
}
