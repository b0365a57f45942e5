// The tracing session of zero-code activation (lib/register.ts): periodic
// dumps, and the last dump and report when the program exits through Node.
// Loaded only when tracing was asked for.
import * as fs from 'node:fs';
import { ENV, seriesPath, type ActivationSettings } from './activation';
import { colorFor, renderTop } from './report';
import { dumpSnapshot } from './dump';
import type { Snapshot } from './snapshot';
import { applySourceMaps } from './source-maps';
import { DEFAULT_THREAD_TIMEOUT, type ThreadCollector } from './threads/collect';
import { missingThreads } from './threads/select';

export type Tracer = typeof import('./tracemalloc');

const PREFIX = 'node-tracemalloc: ';

/** Writes a line to stderr now: at exit and before process.exit() an async write could be lost. */
export function say(message: string): void {
  try {
    fs.writeSync(2, `${PREFIX}${message.replace(/\s*\n\s*/g, ' ')}\n`);
  } catch {
    // stderr closed: nowhere left to say it.
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Session {
  private dumps = 0;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  // Inside a snapshot or a write. lib/run-control.ts runs finishThen() from
  // a V8 interrupt, which can land in the middle of our own JS: then it waits
  // for that work to end instead of nesting a second snapshot in it.
  private working = false;
  private afterWork: (() => void) | undefined;
  // A periodic dump waiting for the workers' tables (lib/threads/).
  private collecting = false;
  private readonly saidMissing = new Set<number>();

  constructor(
    private readonly tracemalloc: Tracer,
    private readonly settings: ActivationSettings,
    /** Merges the workers' tables into every dump and the report; undefined for this thread only. */
    private readonly threads?: ThreadCollector,
  ) {}

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
    // No signal handlers here: a JS handler replaces the default action, and
    // runs only when the event loop is free, so a busy or blocked program
    // would no longer die of SIGTERM or SIGINT. A signal ends the program as
    // it would untraced; `tracemalloc run` relays signals to finishThen()
    // (lib/run-control.ts) to dump first.
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
    const { output, manifest } = this.settings;
    if (output === undefined) return undefined;
    const file = seriesPath(output, ++this.dumps);
    dumpSnapshot(snapshot, file);
    if (manifest !== undefined) {
      try {
        fs.appendFileSync(manifest, `${file}\n`);
      } catch {
        // `tracemalloc run` is gone (killed) and its directory with it: no one to tell.
      }
    }
    this.pruneSeries();
    return file;
  }

  /** At most `keep` dumps of a `%n` series stay on disk: the oldest goes, the newest (the exit dump) stays. */
  private pruneSeries(): void {
    const { output, keep } = this.settings;
    const oldest = this.dumps - keep;
    if (output === undefined || oldest < 1 || seriesPath(output, oldest) === seriesPath(output, this.dumps)) return;
    if (oldest === 1)
      say(`keeping the last ${keep} dumps of the series, removing older ones (${ENV.KEEP}=all keeps every one)`);
    try {
      fs.rmSync(seriesPath(output, oldest), { force: true });
    } catch (error) {
      say(`cannot remove an old dump: ${messageOf(error)}`);
    }
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
    if (this.finished || this.collecting) return;
    const failed = (error: unknown): void => {
      say(`periodic dump failed, no more will be written: ${messageOf(error)}`);
      clearInterval(this.timer);
    };
    const threads = this.threads;
    if (threads === undefined) {
      this.work(() => {
        try {
          this.write(this.snapshot());
        } catch (error) {
          failed(error);
        }
      });
      return;
    }
    // The workers answer while this thread goes on: it never waits for a busy one.
    this.collecting = true;
    threads
      .collect(() => this.ownSnapshot(), this.threadOptions())
      .then((merged) => {
        if (!this.finished) this.work(() => this.sayMissing(merged, this.write(merged)));
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
    this.work(() => this.writeLast());
  }

  private writeLast(): void {
    if (!this.tracemalloc.isTracing()) {
      say('not tracing at exit (the program called stop()?): no dump or report');
      return;
    }
    let snapshot: Snapshot;
    let file: string | undefined;
    try {
      // At exit nothing can be awaited: the workers, still running, are polled.
      snapshot = this.threads?.collectSync(() => this.snapshot(), this.threadOptions()) ?? this.snapshot();
      file = this.write(snapshot);
    } catch (error) {
      say(`cannot write the dump at exit: ${messageOf(error)}`);
      return;
    }
    this.sayMissing(snapshot, file);
    if (this.settings.report > 0) {
      const text = renderTop(
        snapshot,
        { key: 'lineno', top: this.settings.report, cumulative: false, include: [], exclude: [] },
        {
          source: file ?? `process ${process.pid}`,
          cwd: process.cwd(),
          color: colorFor(process.stderr.isTTY === true, process.env),
        },
      );
      try {
        fs.writeSync(2, text);
      } catch {
        // stderr closed
      }
    }
  }
}
