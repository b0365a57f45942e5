#!/usr/bin/env node
// `tracemalloc <command> ...`: parses its own options, dispatches to the
// declared commands of commands.ts (which parse theirs from their
// declarations) and turns what they throw into one line on stderr and an exit
// code (see EXIT in command.ts): 2 bad usage, 3 an unreadable dump, 1 the rest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeControlChars } from '../../helpers/control-chars';
import { TracemallocError } from '../../helpers/errors';
import { EXIT, UsageError, type CliIO, type OptionDeclarations, type ParsedLine } from './command';
import { COMMANDS, findCommand } from './commands';
import { optionRows } from './help';
import { parseDeclared } from './parse';

function version(): string {
  // dist/faces/cli/ or lib/faces/cli/: the package root is three levels up.
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** `tracemalloc`'s own options, before the command. */
const MAIN_OPTIONS = {
  help: { type: 'boolean', short: 'h', help: "show this help; `tracemalloc <command> --help` for a command's" },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
} as const satisfies OptionDeclarations;

/** `tracemalloc [options] <command> [args...]`: what follows the command is the command's. */
const MAIN_LINE = {
  options: MAIN_OPTIONS,
  positionals: [
    { name: 'command', description: 'a command', optional: true },
    { name: 'args', description: "the command's arguments", optional: true, variadic: true },
  ],
  passThrough: true,
} as const;

/** The `tracemalloc --help` text, with the commands' summaries and these options. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: tracemalloc <command> [options]

Trace the JS heap allocations of Node.js programs, like Python's tracemalloc.

Commands:
${list}

Options:
${optionRows(Object.entries(MAIN_OPTIONS)).join('\n')}

Exit codes: 0 success; 1 failure; 2 bad usage; 3 an input file is not a
readable dump. \`run\` passes on the program's exit code.

Zero-code activation, without this command:
  NODE_TRACEMALLOC=25 NODE_TRACEMALLOC_OUTPUT=heap.%p.ntm node -r node-tracemalloc/register app.js
`;
}

/** Exit code carried by an error (UsageError 2, an unreadable input 3, a coded TracemallocError 1), if any. */
function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof UsageError) return EXIT.USAGE;
  // Coded: a condition the message explains (an output too large), not a bug: one line.
  if (error instanceof TracemallocError) return EXIT.FAILED;
  if (typeof error === 'object' && error !== null && 'exitCode' in error) {
    const code = error.exitCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The first line of an error's message, escaped: it may echo a file or function name. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return escapeControlChars(text.split('\n')[0].trim());
}

/**
 * Runs `tracemalloc` with `argv` (the arguments after it); resolves to the exit code.
 * @example process.exitCode = await main(process.argv.slice(2), io)
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let line: ParsedLine<typeof MAIN_OPTIONS, typeof MAIN_LINE.positionals>;
  try {
    line = parseDeclared(argv, MAIN_LINE);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`tracemalloc: ${oneLine(error)} (try tracemalloc --help)\n`);
    return EXIT.USAGE;
  }
  if (line.values.help) {
    io.stdout.write(mainHelp());
    return EXIT.OK;
  }
  if (line.values.version) {
    io.stdout.write(`tracemalloc ${version()}\n`);
    return EXIT.OK;
  }
  const [first, rest] = line.positionals;
  if (first === undefined) {
    io.stderr.write(mainHelp());
    return EXIT.USAGE;
  }
  if (first === 'help') {
    const command = rest[0] === undefined ? undefined : findCommand(rest[0]);
    if (rest[0] !== undefined && command === undefined) {
      io.stderr.write(`tracemalloc: unknown command ${JSON.stringify(rest[0])} (try tracemalloc --help)\n`);
      return EXIT.USAGE;
    }
    io.stdout.write(command?.help ?? mainHelp());
    return EXIT.OK;
  }
  const command = findCommand(first);
  if (command === undefined) {
    io.stderr.write(`tracemalloc: unknown command ${JSON.stringify(first)} (try tracemalloc --help)\n`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const code = exitCodeOf(error);
    if (code === EXIT.USAGE) {
      io.stderr.write(`tracemalloc ${command.name}: ${oneLine(error)} (try tracemalloc ${command.name} --help)\n`);
    } else if (code !== undefined) {
      io.stderr.write(`tracemalloc ${command.name}: ${oneLine(error)}\n`);
    } else {
      // Not something the user caused: keep the stack for a bug report.
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      io.stderr.write(`tracemalloc ${command.name}: ${text.split('\n').map(escapeControlChars).join('\n')}\n`);
      return EXIT.FAILED;
    }
    return code;
  }
}

if (require.main === module) {
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  };
  // exitCode, not exit(): let stdout drain into a pipe first.
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
