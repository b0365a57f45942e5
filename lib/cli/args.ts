// Command-line parsing shared by the subcommands: node:util's parseArgs in
// strict mode, its errors turned into one-line UsageErrors, and the report
// options (--key, --top, --cumulative, --include, --exclude, --json).
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { escapeControlChars } from '../control-chars';
import { DumpFormatError } from '../dump/error';
import { errorCode } from '../errors';
import { loadSnapshot } from '../dump';
import type { Snapshot } from '../snapshot';
import type { KeyType } from '../statistics';
import { EXIT, UsageError } from './command';
import type { ReportOptions } from './report';

/** An input file that is not a readable dump: main.ts prints the message and exits 3. */
export class InputError extends Error {
  readonly exitCode = EXIT.BAD_INPUT;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed values: strings, booleans and repeated strings, by option name. */
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** `--help`/`-h`, which every command accepts. */
export const HELP_OPTION: OptionSpec = { help: { type: 'boolean', short: 'h' } };

/** parseArgs' messages, reworded to one short line naming the option. */
function usageMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  switch (errorCode(error)) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted.split(' ')[0]}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '-n, --top <value>' argument missing": name the long form.
      const option = /(--[\w-]+)/.exec(message)?.[1] ?? /(-\w)/.exec(message)?.[1] ?? 'an option';
      if (/argument missing/.test(message)) return `option ${option} needs a value`;
      if (/ambiguous/.test(message)) return `option ${option} needs a value; write ${option}=<value> for a value starting with "-"`;
      if (/does not take an argument/.test(message)) return `option ${option} takes no value`;
      return message;
    }
    default:
      return message.split('\n')[0];
  }
}

/**
 * parseArgs, strict, with `--help` added; its errors become {@link UsageError}s.
 * @throws {UsageError} an unknown option, a missing value, an unexpected argument
 */
export function parse(argv: string[], options: OptionSpec, maxPositionals: number): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...HELP_OPTION, ...options }, strict: true, allowPositionals: true }) as {
      values: Values;
      positionals: string[];
    };
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
  if (parsed.values.help !== true && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return parsed;
}

/** The options of every report (top, diff, run). */
export const REPORT_OPTIONS: OptionSpec = {
  key: { type: 'string', short: 'k' },
  top: { type: 'string', short: 'n' },
  cumulative: { type: 'boolean', short: 'c' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'all-frames': { type: 'boolean' },
  json: { type: 'boolean' },
};

const REPORT_HELP_ROWS: readonly (readonly [string, string])[] = [
  ['-k, --key <key>', 'group by filename, lineno (default), function or traceback'],
  ['-n, --top <n|all>', 'how many sites to show (default 10)'],
  ['-c, --cumulative', 'count each trace under every frame of its traceback, not only\nthe most recent one (not with --key traceback)'],
  ['    --include <glob>', "keep only traces whose most recent frame's file matches (repeatable;\nglobs match whole absolute paths, * crosses /: '*/src/*')"],
  ['    --exclude <glob>', "drop traces whose most recent frame's file matches (repeatable)"],
  ['    --all-frames', '--include/--exclude test every frame of the traceback'],
  ['    --json', 'print the report as JSON'],
  ['-h, --help', 'show this help'],
];

/**
 * Help lines for {@link REPORT_OPTIONS} and --help, descriptions starting at
 * column `width` (so a command's own options can line up with them).
 */
export function reportHelp(width = 25, json = 'print the report as JSON'): string {
  return REPORT_HELP_ROWS.map(([flags, text]) => {
    const lines = (flags === '    --json' ? json : text).split('\n');
    const first = `  ${flags}`.padEnd(width) + lines[0];
    return [first, ...lines.slice(1).map((line) => ' '.repeat(width) + line)].join('\n');
  }).join('\n');
}

const KEYS: readonly KeyType[] = ['filename', 'lineno', 'function', 'traceback'];

function strings(value: Values[string]): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The report options from parsed values.
 * @throws {UsageError} a bad --key or --top, --cumulative with --key traceback
 */
export function reportOptions(values: Values): ReportOptions {
  const key = (values.key ?? 'lineno') as string;
  if (!(KEYS as readonly string[]).includes(key)) {
    throw new UsageError(`invalid --key ${JSON.stringify(key)} (expected filename, lineno, function or traceback)`);
  }
  const topText = (values.top ?? '10') as string;
  const top = topText === 'all' ? Infinity : /^\d+$/.test(topText) ? Number(topText) : NaN;
  if (!(top >= 1)) throw new UsageError(`invalid --top ${JSON.stringify(topText)} (expected an integer ≥ 1, or all)`);
  const cumulative = values.cumulative === true;
  if (cumulative && key === 'traceback') throw new UsageError('--cumulative cannot be used with --key traceback');
  return {
    key: key as KeyType,
    top,
    cumulative,
    include: strings(values.include),
    exclude: strings(values.exclude),
    allFrames: values['all-frames'] === true,
  };
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
    if (code !== undefined && /^E[A-Z]+$/.test(code)) throw new InputError(`cannot read ${file}: ${IO_REASONS[code] ?? code}`);
    throw error;
  }
}
