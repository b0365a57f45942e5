// The shape every `tracemalloc` subcommand has (one file per command, like
// memray's commands/): main.ts dispatches to them by name.

/** Where a command writes; injected so tests can capture it. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Colour and alignment for a terminal only. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** The word after `tracemalloc`: `run`, `top`, `diff`, `export`, `flamegraph`. */
  name: string;
  /** One line for `tracemalloc --help`. */
  summary: string;
  /** The whole `tracemalloc <name> --help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/**
 * Exit codes, documented in docs/cli.md:
 * 0 success; 1 the program or the work failed; 2 bad usage (unknown option,
 * missing argument); 3 an input file is not a readable dump.
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, BAD_INPUT: 3 } as const;

/** A bad command line: main.ts prints `tracemalloc <cmd>: <message>` and exits 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
