// Leak watch: snapshots at a fixed period, and the sites whose live size
// grows steadily across the last `window` of them, each with a growth rate
// and a confidence figure. Not one diff between two snapshots (which any
// burst of requests in flight would trip), but a trend: the least squares
// slope of each site's live bytes over time and its t-test (adjusted for the
// number of sites), growth in both halves of the window (so that a cache
// filled once, a step, is not a leak), and, by V8's sample ids, most of what
// the site held at the window's start still alive at its end (so that a
// churning cache whose sampled size happens to climb is not one either).
import { parseDuration, SettingError } from './activation';
import { escapeControlChars } from '../helpers/control-chars';
import { TracemallocError, argError } from '../helpers/errors';
import { defaultReportFilters } from '../model/filter';
import { formatSize } from '../helpers/format';
import { Snapshot } from '../model/snapshot';
import type { KeyType, Statistic } from '../model/statistics';
import type { Traceback } from '../model/traceback';
import * as tracemalloc from '../tracer/tracemalloc';
import { linearTrend } from '../model/trend';
import * as check from '../helpers/validate';

/** Options of {@link watchLeaks} and {@link LeakWatcher}. */
export interface LeakWatchOptions {
  /** Time between snapshots: milliseconds, or `'500ms'`, `'10s'`, `'1m'` (default `'10s'`). */
  every?: number | string;
  /** Snapshots the trend is fitted over, the newest; at least 4 (default 10). Nothing is reported before that many. */
  window?: number;
  /**
   * Snapshots ignored at the start (default: half the window, rounded up):
   * what grows while a program warms up (compiled code, caches, pools) is
   * steady for a while too, then stops. The first report can come at
   * snapshot `warmup + window`.
   */
  warmup?: number;
  /** One minus the p-value a trend needs to be reported, in [0.5; 1) (default 0.99). */
  confidence?: number;
  /** How sites are grouped, as in `snapshot.statistics(key)` (default `'lineno'`). */
  key?: KeyType;
  /** Growth below this many bytes per second is not reported (default 0). */
  minRate?: number;
  /** Collect garbage before each snapshot (default true: garbage not yet collected is noise). */
  gc?: boolean;
  /** Map transpiled frames to their sources (default false). */
  sourceMaps?: boolean;
  /** Called once per site when it becomes a suspect (default: a `TracemallocWarning`, code `TRACEMALLOC_LEAK_SUSPECTED`). */
  onLeak?: (report: LeakReport) => void;
}

/** A site whose live size grows steadily. Figures are estimates unless `exact`. */
export interface LeakReport {
  /** How sites are grouped (the watch's `key`). */
  key: KeyType;
  /** The site: one frame, or the whole traceback for key `traceback` (oldest first). */
  traceback: Traceback;
  /** The most recent frame's file. */
  filename: string;
  /** The most recent frame's line (the function's start for key `function`). */
  lineno: number;
  /** The most recent frame's function. */
  functionName: string;
  /** Growth rate of the site's live bytes, bytes per second (the fitted slope). */
  rate: number;
  /** Standard error of `rate`, bytes per second. */
  rateError: number;
  /**
   * 1 − p of the one-sided t-test of the slope, the p-value multiplied by the
   * number of sites judged in that snapshot (Bonferroni): how sure the growth
   * is not chance, for this site among all.
   */
  confidence: number;
  /** t statistic of the slope, with `points − 2` degrees of freedom. */
  t: number;
  /** Live bytes of the site in the newest snapshot. */
  size: number;
  /** Snapshots in the fit. */
  points: number;
  /** The time they span, ms. */
  spanMs: number;
  /** The snapshots recorded every allocation: sizes are exact (the trend is still a fit). */
  exact: boolean;
}

/** A running {@link watchLeaks}. */
export interface LeakWatch {
  /** The sites suspected now (each reported once when it became one; see {@link LeakWatcher.suspects}). */
  readonly suspects: LeakReport[];
  /** Stops taking snapshots. */
  stop(): void;
}

const DEFAULT_EVERY = 10_000;
const DEFAULT_WINDOW = 10;
const DEFAULT_CONFIDENCE = 0.99;
const KEYS: readonly KeyType[] = ['filename', 'lineno', 'function', 'traceback'];

function valueError(message: string): RangeError {
  return argError('ERR_OUT_OF_RANGE', message);
}

/** `every` in milliseconds, from a number or a duration text. */
function everyOption(value: unknown): number {
  if (value === undefined) return DEFAULT_EVERY;
  if (typeof value === 'string') {
    try {
      return parseDuration(value);
    } catch (error) {
      if (error instanceof SettingError) throw valueError(`every: ${error.message}`);
      throw error;
    }
  }
  return check.integerInRange(value, 'every', 1, 0x7fffffff);
}

/** Least squares slope of a few points; 0 when they share one x. */
function slopeOf(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The identity of a statistic's key: its frames (by function, what a builtin allocated for one is a site of its own). */
function siteId(stat: Statistic): string {
  return stat.traceback
    .toArray()
    .map((f) => `${f.filename}\0${f.lineno}\0${f.functionName}\0${f.builtin ? 1 : 0}\0${f.calledBuiltin}`)
    .join('\n');
}

/** The traces of `snapshot` whose V8 sample id is at most `maxId`: those alive since a snapshot whose ids reached it. */
function samplesUpTo(snapshot: Snapshot, maxId: number): Snapshot {
  const t = snapshot.table;
  const rows: number[] = [];
  for (let i = 0; i < t.sampleId.length; i++) if (t.sampleId[i] <= maxId) rows.push(i);
  const table = {
    ...t,
    sampleStack: Uint32Array.from(rows, (i) => t.sampleStack[i]),
    sampleSize: Float64Array.from(rows, (i) => t.sampleSize[i]),
    sampleCount: Float64Array.from(rows, (i) => t.sampleCount[i]),
    sampleId: Float64Array.from(rows, (i) => t.sampleId[i]),
    sampleDomain: Uint32Array.from(rows, (i) => t.sampleDomain[i]),
  };
  return new Snapshot(table, snapshot.info);
}

interface Site {
  traceback: Traceback;
  /** Live bytes per observation, aligned with the watcher's times. */
  sizes: number[];
}

/**
 * The leak watch without a timer: feed it snapshots with {@link observe}.
 * {@link watchLeaks} drives one; use this one to drive it yourself (tests,
 * dumps taken elsewhere).
 *
 * @example
 * const watcher = new LeakWatcher({ window: 6 });
 * for (const file of dumps) for (const report of watcher.observe(loadSnapshot(file))) console.log(formatLeak(report));
 */
export class LeakWatcher {
  private readonly window: number;
  private warmup: number;
  private readonly alpha: number;
  private readonly key: KeyType;
  private readonly minRate: number;
  private readonly times: number[] = [];
  /** The largest V8 sample id of each snapshot in the window (0 when ids are unknown). */
  private readonly maxIds: number[] = [];
  private lastTime: number | undefined;
  private readonly sites = new Map<string, Site>();
  /** Sites reported, with their latest passing report and the evaluations since it. */
  private readonly current = new Map<string, { report: LeakReport; quiet: number }>();

  /** @throws {RangeError} an option out of range; `TypeError` one of the wrong type */
  constructor(options?: Omit<LeakWatchOptions, 'every' | 'gc' | 'sourceMaps' | 'onLeak'>) {
    const o = check.options(options, 'options', ['window', 'warmup', 'confidence', 'key', 'minRate'] as const);
    this.window = o.window === undefined ? DEFAULT_WINDOW : check.integerInRange(o.window, 'window', 4, 10_000);
    this.warmup =
      o.warmup === undefined ? Math.ceil(this.window / 2) : check.integerInRange(o.warmup, 'warmup', 0, 1_000_000);
    const confidence = o.confidence === undefined ? DEFAULT_CONFIDENCE : o.confidence;
    if (typeof confidence !== 'number' || !(confidence >= 0.5 && confidence < 1)) {
      throw valueError(`confidence must be a number in [0.5; 1), received ${check.describe(confidence)}`);
    }
    this.alpha = 1 - confidence;
    const key = o.key === undefined ? 'lineno' : o.key;
    if (typeof key !== 'string' || !(KEYS as readonly string[]).includes(key)) {
      throw valueError(`key must be one of ${KEYS.join(', ')}, received ${check.describe(key)}`);
    }
    this.key = key as KeyType;
    const minRate = o.minRate === undefined ? 0 : o.minRate;
    if (typeof minRate !== 'number' || !(minRate >= 0) || !Number.isFinite(minRate)) {
      throw valueError(`minRate must be a number of bytes per second ≥ 0, received ${check.describe(minRate)}`);
    }
    this.minRate = minRate;
  }

  /**
   * The sites reported and not cleared since (a site is cleared once its
   * growth has failed the tests for a whole window), each with its latest
   * passing report.
   */
  get suspects(): LeakReport[] {
    return [...this.current.values()].map((c) => c.report);
  }

  /**
   * Adds a snapshot taken at `atMs` (default: its timestamp) and returns the
   * sites that became suspects with it. The tracer's own files are left out.
   * @throws {RangeError} a time not after the previous one
   */
  observe(snapshot: Snapshot, atMs: number = snapshot.timestamp): LeakReport[] {
    const last = this.lastTime;
    if (!Number.isFinite(atMs) || (last !== undefined && atMs <= last)) {
      throw valueError(`observations must come in time order: ${atMs} after ${String(last)}`);
    }
    this.lastTime = atMs;
    if (this.warmup > 0) {
      this.warmup--;
      return [];
    }
    const mine = snapshot.filterTraces(defaultReportFilters());
    const stats = mine.statistics(this.key);
    const seen = new Set<string>();
    const past = this.times.length;
    let maxId = 0;
    for (const id of snapshot.table.sampleId) if (id > maxId) maxId = id;
    for (const stat of stats) {
      const id = siteId(stat);
      seen.add(id);
      let site = this.sites.get(id);
      if (site === undefined) {
        site = { traceback: stat.traceback, sizes: new Array<number>(past).fill(0) };
        this.sites.set(id, site);
      }
      site.sizes.push(stat.size);
    }
    this.times.push(atMs);
    this.maxIds.push(maxId);
    const full = this.times.length >= this.window;
    if (this.times.length > this.window) {
      this.times.shift();
      this.maxIds.shift();
    }
    for (const [id, site] of this.sites) {
      if (!seen.has(id)) site.sizes.push(0);
      if (site.sizes.length > this.window) site.sizes.shift();
      if (site.sizes.every((size) => size === 0)) {
        this.sites.delete(id);
        this.current.delete(id);
      }
    }
    if (!full) return [];
    // Every site is a test: the p-values are adjusted for how many (Bonferroni),
    // so the chance of any false report per snapshot stays within 1 − confidence.
    const tests = this.sites.size;
    const candidates = new Map<string, LeakReport>();
    for (const [id, site] of this.sites) {
      const report = this.trendOf(site, snapshot, tests);
      if (report !== undefined) candidates.set(id, report);
    }
    // A leak keeps what it allocated: of what a candidate held at its first
    // snapshot with bytes in the window (in its first half, as it grows in
    // both), at least half is still alive, by V8's sample ids (alive then:
    // ids up to that snapshot's largest). A churning cache whose sampled size
    // happens to climb has replaced it. Few candidates: checked only for them.
    const keptBy = new Map<number, Map<string, number>>();
    for (const id of [...candidates.keys()]) {
      const sizes = (this.sites.get(id) as Site).sizes;
      const first = sizes.findIndex((size) => size > 0);
      let kept = keptBy.get(first);
      if (kept === undefined) {
        kept = new Map();
        for (const stat of samplesUpTo(mine, this.maxIds[first]).statistics(this.key))
          kept.set(siteId(stat), stat.size);
        keptBy.set(first, kept);
      }
      if ((kept.get(id) ?? 0) < 0.5 * sizes[first]) candidates.delete(id);
    }
    const fresh: LeakReport[] = [];
    for (const [id] of this.sites) {
      const report = candidates.get(id);
      const known = this.current.get(id);
      if (report !== undefined) {
        if (known === undefined) fresh.push(report);
        this.current.set(id, { report, quiet: 0 });
      } else if (known !== undefined && ++known.quiet >= this.window) {
        // Not growing for a whole window: forgotten, to be reported again if it resumes.
        this.current.delete(id);
      }
    }
    return fresh.sort((a, b) => b.rate - a.rate);
  }

  /** The report of a site whose trend passes the slope's tests, else undefined. */
  private trendOf(site: Site, snapshot: Snapshot, tests: number): LeakReport | undefined {
    const seconds = this.times.map((t) => (t - this.times[0]) / 1000);
    const trend = linearTrend(seconds, site.sizes);
    const p = Math.min(1, trend.pRising * tests);
    if (!(trend.slope > 0) || p >= this.alpha || trend.slope < this.minRate) return undefined;
    // Sampled: growth of less than two samples over the window is one sample coming and going.
    if (!snapshot.exact && trend.slope * seconds[seconds.length - 1] < 2 * snapshot.interval) return undefined;
    // Steadily: rising in each half of the window, not one step.
    const half = Math.ceil(seconds.length / 2);
    const tail = seconds.length - half;
    if (!(slopeOf(seconds.slice(0, half), site.sizes.slice(0, half)) > 0)) return undefined;
    if (!(slopeOf(seconds.slice(tail), site.sizes.slice(tail)) > 0)) return undefined;
    const recent = site.traceback.at(-1);
    return {
      key: this.key,
      traceback: site.traceback,
      filename: recent?.filename ?? '<unknown>',
      lineno: recent?.lineno ?? 0,
      functionName: recent?.functionName ?? '',
      rate: trend.slope,
      rateError: trend.slopeError,
      confidence: 1 - p,
      t: trend.t,
      size: site.sizes[site.sizes.length - 1],
      points: seconds.length,
      spanMs: this.times[this.times.length - 1] - this.times[0],
      exact: snapshot.exact,
    };
  }
}

/** `45 s`, `2.5 s`, `0.4 s`. */
function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Percent with enough nines to tell 99.9% from 99.99%. */
function percent(confidence: number): string {
  if (confidence >= 1) return '100%';
  const digits = Math.min(6, Math.max(1, Math.ceil(-Math.log10(1 - confidence)) - 1));
  return `${(confidence * 100).toFixed(digits)}%`;
}

/**
 * One line for a report: where, how fast (± one standard error), over what, how sure.
 * @example "leak suspected: app.js:12 remember: +12.3 KiB/s ± 0.4 KiB/s over 10 snapshots in 45 s, confidence 99.99% (t = 31.2); 612 KiB live (estimated)"
 */
export function formatLeak(report: LeakReport): string {
  // As the reports' function column: `set (builtin) in remember` for what a builtin allocated for it.
  const name = report.traceback.at(-1)?.functionLabel ?? report.functionName;
  // The program's own names: escaped, as every report escapes them.
  const where = escapeControlChars(
    `${report.filename}${report.lineno > 0 ? `:${report.lineno}` : ''}${name === '' ? '' : ` ${name}`}`,
  );
  const t = Number.isFinite(report.t) ? report.t.toFixed(1) : '∞';
  return (
    `leak suspected: ${where}: ${formatSize(report.rate, true)}/s ± ${formatSize(report.rateError)}/s ` +
    `over ${report.points} snapshots in ${seconds(report.spanMs)}, confidence ${percent(report.confidence)} (t = ${t}); ` +
    `${formatSize(report.size)} live (${report.exact ? 'exact sizes' : 'estimated'})`
  );
}

/**
 * Takes a snapshot every `every` and reports the sites whose live size grows
 * steadily over the last `window` snapshots: a least squares trend of each
 * site's live bytes over time, reported when its one-sided t-test, adjusted
 * for the number of sites judged, gives `confidence` (default 99%), it rises
 * in both halves of the window, it still holds at least half of what it held
 * at the window's start (by V8's sample ids: a leak keeps, churn replaces),
 * and (sampled) it grew by at least two samples.
 * The first `warmup` snapshots (default half a window) are ignored.
 * Each report gives the growth rate (B/s, ± its standard error) and the
 * confidence; a site is reported once, and again only after its growth
 * failed the tests for a whole window. The timer is unref'd; errors never escape it (the
 * watch stops with a warning when tracing stops).
 *
 * The confidence assumes independent noise between snapshots; bench/leak-watch.js
 * measures the false-positive rate of a busy, non-leaking server and how many
 * snapshots a real leak takes to be reported.
 *
 * @example
 * tracemalloc.start(1, { interval: 64 * 1024 });
 * const watch = watchLeaks({ every: '10s', window: 12, onLeak: (r) => log.warn(formatLeak(r)) });
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NOT_TRACING`
 * @throws {RangeError} `TypeError` a bad option
 */
export function watchLeaks(options?: LeakWatchOptions): LeakWatch {
  const o = check.options(options, 'options', [
    'every',
    'window',
    'warmup',
    'confidence',
    'key',
    'minRate',
    'gc',
    'sourceMaps',
    'onLeak',
  ] as const);
  const every = everyOption(o.every);
  const gc = o.gc === undefined ? true : check.boolean(o.gc, 'gc');
  const sourceMaps = o.sourceMaps === undefined ? false : check.boolean(o.sourceMaps, 'sourceMaps');
  if (o.onLeak !== undefined && typeof o.onLeak !== 'function') {
    throw argError('ERR_INVALID_ARG_TYPE', 'Expected a function for onLeak');
  }
  const onLeak =
    (o.onLeak as ((report: LeakReport) => void) | undefined) ??
    ((report: LeakReport) =>
      process.emitWarning(formatLeak(report), { type: 'TracemallocWarning', code: 'TRACEMALLOC_LEAK_SUSPECTED' }));
  const watcher = new LeakWatcher({
    window: o.window as number | undefined,
    warmup: o.warmup as number | undefined,
    confidence: o.confidence as number | undefined,
    key: o.key as KeyType | undefined,
    minRate: o.minRate as number | undefined,
  });
  if (!tracemalloc.isTracing()) {
    throw new TracemallocError(
      'ERR_TRACEMALLOC_NOT_TRACING',
      'the tracemalloc module must be tracing memory allocations to watch leaks',
    );
  }
  const tick = (): void => {
    let reports: LeakReport[];
    try {
      // Live objects, whatever else tracing keeps (peak, allocated: lib/model/views.ts).
      reports = watcher.observe(tracemalloc.takeSnapshot({ gc, view: 'live', sourceMaps }), Date.now());
    } catch (error) {
      clearInterval(timer);
      process.emitWarning(`leak watch stopped: ${error instanceof Error ? error.message : String(error)}`, {
        type: 'TracemallocWarning',
        code: 'TRACEMALLOC_LEAK_WATCH_STOPPED',
      });
      return;
    }
    for (const report of reports) {
      try {
        onLeak(report);
      } catch (error) {
        process.emitWarning(`onLeak threw: ${error instanceof Error ? error.message : String(error)}`, {
          type: 'TracemallocWarning',
        });
      }
    }
  };
  // unref: watching must never keep the program alive.
  const timer = setInterval(tick, every).unref();
  return {
    get suspects() {
      return watcher.suspects;
    },
    stop: () => clearInterval(timer),
  };
}
