// dumpOnSignal(): what NODE_TRACEMALLOC_SIGNAL does under register, for a
// program that calls start() itself. The same series writer and report
// (lib/faces/dump-series.ts).
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KEEP, expandOutput, SettingError } from './activation';
import { DumpSeries, messageOf, reportToStderr, say } from './dump-series';
import { listenForSignal, parseDumpSignal } from './dump-signal';
import { argError } from '../helpers/errors';
import { isTracing, takeSnapshot } from '../tracer/tracemalloc';
import * as check from '../helpers/validate';

/** Options of {@link dumpOnSignal}. */
export interface DumpOnSignalOptions {
  /**
   * Dump path: `%n` numbers the dumps (`heap-%n.ntm`; without it `-%n` goes
   * before the extension), `%p` pid, `%t` seconds since the epoch, `%h` host
   * name, `%%` a percent sign. Relative to the current directory.
   */
  output: string | URL;
  /** Also print the top N lines to stderr (default 0: none). */
  report?: number;
  /** Dumps kept on disk, the newest (default 10; `Infinity` keeps all). */
  keep?: number;
}

/** What {@link dumpOnSignal} returns. */
export interface DumpOnSignal {
  /** Stops listening: the signal has its default action again (unless the program listens too). */
  close(): void;
}

function invalid(name: string, message: string): never {
  throw argError('ERR_INVALID_ARG_VALUE', `${name}: ${message}`);
}

/**
 * Writes a dump (a full GC first; the live view unless tracing keeps collected
 * objects) each time the process gets `signal`, and goes on: `kill -USR2 <pid>`
 * for a profile of a running service. Like any JS signal handler, it runs when
 * the event loop is free. Errors writing a dump are said on stderr, never
 * thrown into the program. Not tracing when the signal comes: a line on
 * stderr, no dump.
 *
 * @param signal a name such as `'SIGUSR2'`, `'SIGHUP'`, `'SIGWINCH'`; not
 *   SIGUSR1 (Node's inspector), SIGINT or SIGTERM (the program would no longer stop)
 * @example
 * tracemalloc.start(16, { interval: 512 * 1024 });
 * const handle = tracemalloc.dumpOnSignal('SIGUSR2', { output: '/var/tmp/api-%p-%n.ntm', report: 10 });
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: a signal refused or unknown, an output path that
 *   could never be written (missing directory, an unknown placeholder); `ERR_INVALID_ARG_TYPE`
 * @throws {RangeError} a bad `report` or `keep`
 */
export function dumpOnSignal(signal: NodeJS.Signals, options: DumpOnSignalOptions): DumpOnSignal {
  if (typeof signal !== 'string') {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a signal name for signal but received ${check.describe(signal)}`);
  }
  const parsed = parseDumpSignal(signal);
  if ('problem' in parsed) invalid('signal', parsed.problem);
  const opts = check.options(options, 'options', ['output', 'report', 'keep'] as const);
  const output = opts.output instanceof URL ? fileURLToPath(opts.output) : opts.output;
  if (typeof output !== 'string') {
    throw argError(
      'ERR_INVALID_ARG_TYPE',
      `Expected a string or file URL for output but received ${check.describe(output)}`,
    );
  }
  const report = opts.report === undefined ? 0 : check.integerInRange(opts.report, 'report', 0, 2 ** 31);
  const keep =
    opts.keep === undefined || opts.keep === Infinity
      ? (opts.keep ?? DEFAULT_KEEP)
      : check.integerInRange(opts.keep, 'keep', 1, 2 ** 31);
  let expanded: string;
  try {
    const context = {
      pid: process.pid,
      time: Math.floor(Date.now() / 1000),
      hostname: os.hostname(),
      cwd: process.cwd(),
    };
    expanded = expandOutput(output, context, true);
  } catch (error) {
    if (error instanceof SettingError) invalid('output', error.message);
    throw error;
  }
  const series = new DumpSeries({ output: expanded, keep });
  return listenForSignal(parsed.signal, () => {
    if (!isTracing()) {
      say(`${parsed.signal}: not tracing, no dump`);
      return;
    }
    try {
      const snapshot = takeSnapshot({ gc: true });
      const file = series.write(snapshot);
      if (report > 0) reportToStderr(snapshot, report, file);
    } catch (error) {
      say(`cannot write the dump asked for by ${parsed.signal}: ${messageOf(error)}`);
    }
  });
}
