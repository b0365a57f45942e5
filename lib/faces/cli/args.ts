// What the subcommands share: the report options (--key, --top,
// --cumulative, --include, --exclude, --all-frames, --json) and reading a dump
// named on the command line.
import * as path from 'node:path';
import { SettingError } from '../activation';
import { escapeControlChars } from '../../helpers/control-chars';
import { DumpFormatError } from '../../model/dump/error';
import { errorCode } from '../../helpers/errors';
import { loadSnapshot } from '../../model/dump';
import type { Snapshot } from '../../model/snapshot';
import type { KeyType } from '../../model/statistics';
import { EXIT, UsageError, type OptionDeclarations, type OptionValues } from './command';
import { listOf } from './help';
import type { ReportOptions } from '../report';
import { parseThreadList, selectThreads } from '../../tracer/threads/select';

/** An input file that is not a readable dump: main.ts prints the message and exits 3. */
export class InputError extends Error {
  readonly exitCode = EXIT.BAD_INPUT;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** What --key accepts: Python's key types. */
export const KEYS = ['filename', 'lineno', 'function', 'traceback'] as const satisfies readonly KeyType[];

/** --thread: the threads of a dump to read (top, diff, run, flamegraph, export). */
export const THREAD_OPTION = {
  thread: {
    type: 'string',
    multiple: true,
    value: 'ids',
    help: 'only the traces of these threads, comma-separated: worker_threads.threadId, 0 the main thread (dumps of register and run hold every thread)',
  },
} as const satisfies OptionDeclarations;

/** --include, --exclude, --all-frames and --thread: the filters of every report and of the flame graph. */
export const FILTER_OPTIONS = {
  include: {
    type: 'string',
    multiple: true,
    value: 'glob',
    help: "keep only traces whose most recent frame's file matches; globs match whole absolute paths, and * crosses /: '*/src/*'",
  },
  exclude: {
    type: 'string',
    multiple: true,
    value: 'glob',
    help: "drop traces whose most recent frame's file matches",
  },
  'all-frames': { type: 'boolean', help: '--include/--exclude test every frame of the traceback' },
  ...THREAD_OPTION,
} as const satisfies OptionDeclarations;

/** The options of every report (top, diff, run). */
export const REPORT_OPTIONS = {
  key: { type: 'string', short: 'k', value: 'key', choices: KEYS, default: 'lineno', help: `group by ${listOf(KEYS)}` },
  top: { type: 'string', short: 'n', value: 'n|all', default: '10', help: 'how many sites to show' },
  cumulative: {
    type: 'boolean',
    short: 'c',
    help: 'count each trace under every frame of its traceback, not only the most recent one (not with --key traceback)',
  },
  ...FILTER_OPTIONS,
  json: { type: 'boolean', help: 'print the report as JSON' },
} as const satisfies OptionDeclarations;

/** The report options from parsed values (--key is one of {@link KEYS}: the parser checked it). */
export type ReportValues = OptionValues<typeof REPORT_OPTIONS>;

/** The filter options from parsed values. */
/** Parses an option's text with one of activation.ts's parsers; its SettingError becomes a usage error naming the option. */
export function setting<T>(option: string, text: string, parseValue: (text: string) => T): T {
  try {
    return parseValue(text);
  } catch (error) {
    if (error instanceof SettingError) throw new UsageError(`${option}: ${error.message}`);
    throw error;
  }
}

/**
 * The threads --thread selects (given again, it adds more); undefined for all.
 * @throws {UsageError} not a list of thread ids
 */
export function threadOption(values: OptionValues<typeof THREAD_OPTION>): number[] | undefined {
  if (values.thread.length === 0) return undefined;
  try {
    return [...new Set(values.thread.flatMap(parseThreadList))];
  } catch (error) {
    throw new UsageError(`--thread: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A dump's traces of the threads --thread selects (all without it). */
export function threadsSelected(snapshot: Snapshot, threads: readonly number[] | undefined): Snapshot {
  return threads === undefined ? snapshot : selectThreads(snapshot, threads);
}

export function filterOptions(
  values: OptionValues<typeof FILTER_OPTIONS>,
): Pick<ReportOptions, 'include' | 'exclude' | 'allFrames' | 'threads'> {
  return {
    include: values.include,
    exclude: values.exclude,
    allFrames: values['all-frames'],
    threads: threadOption(values),
  };
}

/**
 * The report options from parsed values.
 * @throws {UsageError} a bad --top, --cumulative with --key traceback
 */
export function reportOptions(values: ReportValues): ReportOptions {
  const top = values.top === 'all' ? Infinity : /^\d+$/.test(values.top) ? Number(values.top) : NaN;
  if (!(top >= 1))
    throw new UsageError(`invalid --top ${JSON.stringify(values.top)} (expected an integer ≥ 1, or all)`);
  if (values.cumulative && values.key === 'traceback')
    throw new UsageError('--cumulative cannot be used with --key traceback');
  return { key: values.key, top, cumulative: values.cumulative, ...filterOptions(values) };
}

const IO_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'operation not permitted',
};

/**
 * Loads a dump named on the command line (relative to `cwd`).
 * @throws {InputError} not a readable dump, or not readable at all, in one line
 */
export function loadDump(file: string, cwd: string): Snapshot {
  try {
    return loadSnapshot(path.resolve(cwd, file));
  } catch (error) {
    if (error instanceof DumpFormatError) {
      const prefix = `node-tracemalloc dump ${escapeControlChars(error.file)}: ${error.reason}: `;
      const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      throw new InputError(`${file} is not a readable dump (${error.reason}): ${detail}`);
    }
    const code = errorCode(error);
    if (code !== undefined && /^E[A-Z]+$/.test(code))
      throw new InputError(`cannot read ${file}: ${IO_REASONS[code] ?? code}`);
    throw error;
  }
}
