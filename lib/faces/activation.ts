// Settings of zero-code activation (lib/register.ts), read from environment
// variables, and the parsers `tracemalloc run` shares with them so that a
// value means the same on the command line and in the environment. Pure: no
// addon, no side effects.
import { DEFAULT_SAMPLED_INTERVAL, MAX_FRAMES, MAX_INTERVAL } from '../helpers/constants';
import * as path from 'node:path';
import { parseDumpSignal } from './dump-signal';
import { defaultInlining } from '../tracer/inlining';
import { outputPathProblem } from '../helpers/output-path';
import { parseSize } from '../helpers/size';
import { isSnapshotView, type SnapshotView } from '../model/views';
import { samplingInterval } from '../helpers/validate';

/** The environment variables lib/register.ts reads. */
export const ENV = {
  FRAMES: 'NODE_TRACEMALLOC',
  INTERVAL: 'NODE_TRACEMALLOC_INTERVAL',
  OUTPUT: 'NODE_TRACEMALLOC_OUTPUT',
  REPORT: 'NODE_TRACEMALLOC_REPORT',
  SNAPSHOT_EVERY: 'NODE_TRACEMALLOC_SNAPSHOT_EVERY',
  SOURCE_MAPS: 'NODE_TRACEMALLOC_SOURCE_MAPS',
  VIEW: 'NODE_TRACEMALLOC_VIEW',
  INLINING: 'NODE_TRACEMALLOC_INLINING',
  ON_ERROR: 'NODE_TRACEMALLOC_ON_ERROR',
  KEEP: 'NODE_TRACEMALLOC_KEEP',
  SIGNAL: 'NODE_TRACEMALLOC_SIGNAL',
  OOM_DUMP: 'NODE_TRACEMALLOC_OOM_DUMP',
  /** Internal: a file `tracemalloc run` gives its child, one line per dump written. */
  MANIFEST: 'NODE_TRACEMALLOC_RUN_MANIFEST',
  /** Internal: the socket on which `tracemalloc run` relays the signals it gets (lib/faces/run-control.ts). */
  CONTROL: 'NODE_TRACEMALLOC_RUN_CONTROL',
} as const;

/** What register does when tracing cannot start: run the program untraced with a warning, or exit 1 before it runs. */
export type OnError = 'warn' | 'fail';

/**
 * The view of the dumps and the exit report unless told: what filled memory,
 * even if freed before exit; for a series of dumps (snapshot-every, a dump
 * signal), what is alive at each, to diff one with the next.
 */
export function defaultView(series: boolean): SnapshotView {
  return series ? 'live' : 'peak';
}

/** Dumps of a series kept unless told otherwise: the oldest beyond these are removed. */
export const DEFAULT_KEEP = 10;

/** What the environment asks register to do. */
export interface ActivationSettings {
  /** Traceback limit; 0 when `NODE_TRACEMALLOC=0` turns tracing off. */
  frames: number;
  /** Sampling interval in bytes (1: every allocation). */
  interval: number;
  /** Dump path template, absolute, `%p %t %h %%` expanded; `%n` left for {@link seriesPath}. */
  output: string | undefined;
  /** Sites to print to stderr at exit; 0 for no report. */
  report: number;
  /** Milliseconds between periodic dumps; 0 for none. */
  snapshotEvery: number;
  /** Map frames of transpiled code back to their sources before dumping. */
  sourceMaps: boolean;
  /** Which traces the dumps and the report show. */
  view: SnapshotView;
  /** Let V8 inline (false: turn inlining off before the program runs, so every function keeps its frame). */
  inlining: boolean;
  /** Dumps of a `%n` series kept on disk, the newest (`Infinity`: all). */
  keep: number;
  /** A signal that asks for a dump (and the report) now, the program going on. */
  signal: NodeJS.Signals | undefined;
  /** Where to write a dump natively when the JS heap nears its limit (absolute), and its text beside it. */
  oomDump: string | undefined;
  /** Internal manifest path (see {@link ENV}). */
  manifest: string | undefined;
  /** Internal control socket path (see {@link ENV}). */
  control: string | undefined;
}

/** A bad setting; the message starts with what was wrong (`NODE_TRACEMALLOC: invalid number of frames: ...`). */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/**
 * Frames from text: an integer from 0 to 65535 (0: off). Python's wording
 * ("invalid number of frames"), with what was expected.
 */
export function parseFrames(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_FRAMES) {
    throw new SettingError(
      `invalid number of frames: ${JSON.stringify(text)} (expected an integer from 1 to ${MAX_FRAMES}; 0 turns tracing off)`,
    );
  }
  return n;
}

/** A sampling interval from text: bytes with an optional unit (`512K`, `64 KiB`, `1` for every allocation). */
export function parseInterval(text: string): number {
  let bytes: number;
  try {
    bytes = parseSize(text);
  } catch {
    bytes = NaN;
  }
  try {
    return samplingInterval(bytes);
  } catch {
    throw new SettingError(
      `invalid sampling interval: ${JSON.stringify(text)} ` +
        `(expected a whole number of bytes from 1 to 256M (${MAX_INTERVAL}), such as 512K, 64K, 4096, or 1 for every allocation; ` +
        'V8 caps each sampling step at 2 GiB, so larger intervals over-estimate)',
    );
  }
}

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000 };

/** A period from text: milliseconds, or with a unit (`500ms`, `10s`, `1m`). */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|)\s*$/i.exec(text);
  const ms = match === null ? NaN : Math.round(Number(match[1]) * DURATION_UNITS[match[2].toLowerCase()]);
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > 0x7fffffff) {
    throw new SettingError(
      `invalid period: ${JSON.stringify(text)} (expected milliseconds ≥ 1, such as 500, 500ms, 10s or 1m)`,
    );
  }
  return ms;
}

/** A count of report lines from text: an integer ≥ 0 (0: none). */
export function parseCount(text: string, what: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw new SettingError(`invalid ${what}: ${JSON.stringify(text)} (expected an integer ≥ 0)`);
  return n;
}

/** A view from text: `live`, `allocated` or `peak`. */
export function parseView(text: string): SnapshotView {
  const value = text.trim().toLowerCase();
  if (isSnapshotView(value)) return value;
  throw new SettingError(
    `invalid view: ${JSON.stringify(text)} (expected peak: alive when the heap was fullest, ` +
      'live: alive at exit, or allocated: everything allocated, collected or not)',
  );
}

/** How many dumps of a series to keep: an integer ≥ 1, or `all`. */
export function parseKeep(text: string): number {
  if (text.trim().toLowerCase() === 'all') return Infinity;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new SettingError(
      `invalid number of dumps to keep: ${JSON.stringify(text)} (expected an integer ≥ 1, or all)`,
    );
  }
  return n;
}

/** A signal that asks for a dump, from text (lib/faces/dump-signal.ts). */
export function parseSignal(text: string): NodeJS.Signals {
  const parsed = parseDumpSignal(text);
  if ('problem' in parsed) throw new SettingError(parsed.problem);
  return parsed.signal;
}

/** An on/off setting from text: 1, true, on, yes or 0, false, off, no. */
export function parseSwitch(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new SettingError(`invalid value: ${JSON.stringify(text)} (expected 1 or 0)`);
}

/** Values of the output placeholders, fixed once per process. */
export interface OutputContext {
  pid: number;
  /** Seconds since the epoch, as core(5)'s `%t`. */
  time: number;
  hostname: string;
  cwd: string;
}

const PLACEHOLDER_HELP = '%p pid, %t seconds since the epoch, %h host name, %n dump number, %% a percent sign';

/**
 * Expands `%p`, `%t`, `%h` and `%%` in an output path (the placeholders of
 * core(5)'s core_pattern), makes it absolute, and checks a dump can be written
 * there (lib/helpers/output-path.ts), so that one that never could fails at start, not at exit.
 * `%n` is kept for {@link seriesPath}; with `series` and no `%n`, `-%n` goes
 * before the extension.
 * @throws {SettingError} an unknown placeholder, a missing or read-only directory, a directory or device as the file
 */
export function expandOutput(template: string, context: OutputContext, series: boolean): string {
  if (template.trim() === '') throw new SettingError('empty path');
  let hasNumber = false;
  let expanded = template.replace(/%(.?)/gs, (whole, letter: string) => {
    switch (letter) {
      case 'p':
        return String(context.pid);
      case 't':
        return String(context.time);
      case 'h':
        return context.hostname.replace(/[/\\]/g, '_');
      case 'n':
        hasNumber = true;
        return '%n';
      case '%':
        return '%%';
      default:
        throw new SettingError(
          `unknown placeholder ${whole === '%' ? '% at the end' : whole} in ${JSON.stringify(template)} (known: ${PLACEHOLDER_HELP})`,
        );
    }
  });
  if (series && !hasNumber) {
    const ext = path.extname(expanded);
    expanded = `${expanded.slice(0, expanded.length - ext.length)}-%n${ext}`;
  }
  const absolute = path.resolve(context.cwd, expanded);
  const problem = outputPathProblem(seriesPath(absolute, 1));
  if (problem !== undefined) throw new SettingError(problem);
  return absolute;
}

/** The path of dump number `n` (from 1) of an expanded template: `%n` → `0001`, `%%` → `%`. */
export function seriesPath(expanded: string, n: number): string {
  return expanded.replace(/%([n%])/g, (_, letter: string) => (letter === 'n' ? String(n).padStart(4, '0') : '%'));
}

/**
 * Variable `name` of `env` parsed, or `fallback` when unset or empty.
 * @throws {SettingError} the parser's, prefixed with the variable's name
 */
export function setting<T>(env: NodeJS.ProcessEnv, name: string, parse: (text: string) => T, fallback: T): T {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof SettingError) throw new SettingError(`${name}: ${error.message}`);
    throw error;
  }
}

/**
 * True when the environment asks for tracing: `NODE_TRACEMALLOC` set and not
 * empty, as Python's `PYTHONTRACEMALLOC`. Without it register leaves the
 * process untouched: `NODE_OPTIONS` preloads it into every node process (npm
 * included), and those must run as if it were not there.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  const text = env[ENV.FRAMES];
  return text !== undefined && text !== '';
}

/**
 * `NODE_TRACEMALLOC_ON_ERROR`: `warn` (the default, also for a value it does
 * not know) runs the program untraced after one line on stderr; `fail` exits
 * 1 before it runs. Warn by default because zero-code activation is often
 * switched on for every process at once (`NODE_OPTIONS`, a container's
 * environment): failing would stop npm itself, and with it `npm rebuild`,
 * the repair.
 */
export function errorPolicy(env: NodeJS.ProcessEnv): OnError {
  const text = env[ENV.ON_ERROR];
  if (text === undefined) return 'warn';
  try {
    return parseOnError(text);
  } catch {
    return 'warn';
  }
}

function parseOnError(text: string): OnError {
  const value = text.trim().toLowerCase();
  if (value === 'warn' || value === 'fail') return value;
  throw new SettingError(`invalid value: ${JSON.stringify(text)} (expected warn or fail)`);
}

/**
 * Reads register's settings from `env`. `NODE_TRACEMALLOC` unset or empty
 * (see {@link tracingRequested}) or `0` turns tracing off and nothing else is read.
 * @throws {SettingError} the first invalid value, named: `NODE_TRACEMALLOC: invalid number of frames: "x" (...)`
 */
export function readSettings(env: NodeJS.ProcessEnv, context: OutputContext): ActivationSettings {
  const frames = tracingRequested(env) ? setting(env, ENV.FRAMES, parseFrames, 0) : 0;
  const manifest = env[ENV.MANIFEST] || undefined;
  const control = env[ENV.CONTROL] || undefined;
  const off = {
    frames: 0,
    interval: DEFAULT_SAMPLED_INTERVAL,
    output: undefined,
    report: 0,
    snapshotEvery: 0,
    sourceMaps: false,
    view: defaultView(false),
    inlining: true,
    keep: DEFAULT_KEEP,
    signal: undefined,
    oomDump: undefined,
  };
  if (frames === 0) return { ...off, manifest, control };
  // Read by errorPolicy() when tracing cannot start; checked here so that a typo is reported.
  setting(env, ENV.ON_ERROR, parseOnError, 'warn');
  const interval = setting(env, ENV.INTERVAL, parseInterval, DEFAULT_SAMPLED_INTERVAL);
  const report = setting(env, ENV.REPORT, (text) => parseCount(text, 'number of sites'), 0);
  const snapshotEvery = setting(env, ENV.SNAPSHOT_EVERY, parseDuration, 0);
  const signal = setting<NodeJS.Signals | undefined>(env, ENV.SIGNAL, parseSignal, undefined);
  const series = snapshotEvery > 0 || signal !== undefined;
  const sourceMaps = setting(env, ENV.SOURCE_MAPS, parseSwitch, true);
  const view = setting(env, ENV.VIEW, parseView, defaultView(series));
  const inlining = setting(env, ENV.INLINING, parseSwitch, defaultInlining(interval));
  const keep = setting(env, ENV.KEEP, parseKeep, DEFAULT_KEEP);
  const output = setting(env, ENV.OUTPUT, (text) => expandOutput(text, context, series), undefined);
  if (snapshotEvery > 0 && output === undefined) {
    throw new SettingError(`${ENV.SNAPSHOT_EVERY}: needs ${ENV.OUTPUT}, the path of the dumps`);
  }
  if (signal !== undefined && output === undefined && report === 0) {
    throw new SettingError(`${ENV.SIGNAL}: needs ${ENV.OUTPUT}, the path of the dumps (or ${ENV.REPORT})`);
  }
  // One path, written once: %n has nothing to number.
  const oomDump = setting(env, ENV.OOM_DUMP, (text) => seriesPath(expandOutput(text, context, false), 1), undefined);
  return {
    frames,
    interval,
    output,
    report,
    snapshotEvery,
    sourceMaps,
    view,
    inlining,
    keep,
    signal,
    oomDump,
    manifest,
    control,
  };
}
