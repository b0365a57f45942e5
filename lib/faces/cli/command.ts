// The shape of every `tracemalloc` subcommand (one file per command, like
// memray's commands/): a declaration of its options, positionals and help
// text, and a handler that receives the parsed, typed values. Parsing,
// validation, `--help` and the usage errors are derived from the declaration
// (parse.ts, help.ts, define-command.ts), so they cannot drift from it.

/** Where a command writes; injected so tests can capture it. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Colour and alignment for a terminal only. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Exit codes, documented in docs/cli.md:
 * 0 success; 1 the program or the work failed; 2 bad usage (unknown option,
 * missing argument); 3 an input file is not a readable dump.
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, BAD_INPUT: 3 } as const;

/** A bad command line: main.ts prints `tracemalloc <cmd>: <message> (try tracemalloc <cmd> --help)` and exits 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A flag: `--json`, `-c`. */
export interface BooleanOption {
  readonly type: 'boolean';
  readonly short?: string;
  /** One line or more for `--help`; wrapped to the terminal width of the help. */
  readonly help: string;
}

/** An option with a value: `--top 5`, `-n5`, `--top=5`. */
export interface StringOption {
  readonly type: 'string';
  readonly short?: string;
  /** Given again, it adds a value (`--include a --include b`), rather than replacing it. */
  readonly multiple?: boolean;
  /** Passed to parseArgs, and shown as "(default ...)" in the help. */
  readonly default?: string;
  /** The value's name in the help and in messages: `value: 'n|all'` shows `--top <n|all>`. */
  readonly value: string;
  /** The only values accepted: anything else is a usage error naming them. */
  readonly choices?: readonly string[];
  /** Values that are not choices but that another command serves: the usage error says where to go. */
  readonly elsewhere?: Readonly<Record<string, string>>;
  /** One line or more for `--help`; lines starting with a space are kept as written. */
  readonly help: string;
}

export type OptionDeclaration = BooleanOption | StringOption;
export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

/** A positional argument. At most the last one is variadic. */
export interface PositionalDeclaration {
  /** Its name in the usage line: `dump.ntm` shows `<dump.ntm>`. */
  readonly name: string;
  /** What it is, for "missing the dump file to read". */
  readonly description: string;
  readonly optional?: boolean;
  /** Takes every remaining argument (the script's arguments). */
  readonly variadic?: boolean;
}

type Chosen<D> = D extends { readonly choices: readonly (infer C extends string)[] } ? C : string;
type OptionValue<D> = D extends { readonly type: 'boolean' }
  ? boolean
  : D extends { readonly multiple: true }
    ? Chosen<D>[]
    : D extends { readonly default: string }
      ? Chosen<D>
      : Chosen<D> | undefined;

/** Parsed option values: a flag is false when absent, a repeatable option [] when never given. */
export type OptionValues<O extends OptionDeclarations> = { readonly [K in keyof O]: OptionValue<O[K]> };

type PositionalValue<D> = D extends { readonly variadic: true }
  ? string[]
  : D extends { readonly optional: true }
    ? string | undefined
    : string;

/** Positional values by declaration: a variadic one gathers the rest into an array. */
export type PositionalValues<P extends readonly PositionalDeclaration[]> = {
  readonly [I in keyof P]: PositionalValue<P[I]>;
};

export interface ParsedLine<O extends OptionDeclarations, P extends readonly PositionalDeclaration[]> {
  readonly values: OptionValues<O>;
  readonly positionals: PositionalValues<P>;
  /** The line had `--`: what follows it is positional, even if it starts with "-". */
  readonly terminated: boolean;
}

/** A titled group of options in the help: `Options for the report:`. */
export interface OptionSection<O extends OptionDeclarations> {
  readonly title: string;
  readonly options: readonly (keyof O & string)[];
}

export interface CommandDeclaration<O extends OptionDeclarations, P extends readonly PositionalDeclaration[]> {
  /** The word after `tracemalloc`: `run`, `top`, `diff`, `export`, `flamegraph`. */
  readonly name: string;
  /** One line for `tracemalloc --help`. */
  readonly summary: string;
  /** Paragraphs between the usage line and the options; lines starting with a space are kept as written. */
  readonly description: string;
  /** `--help`/`-h` is added to every command. */
  readonly options: O;
  /** Groups of options with their titles, covering every option; one "Options:" group without. */
  readonly sections?: readonly OptionSection<O>[];
  readonly positionals: P;
  /**
   * Option parsing stops at the first positional: what follows is someone
   * else's command line (`run`'s script and its arguments), passed on untouched.
   */
  readonly passThrough?: boolean;
  /**
   * The usage line after `tracemalloc <name> `, when the one generated from
   * the positionals (`[options] <dump.ntm>`) says too little; it must name
   * every positional and only declared options (checked when the help is made).
   */
  readonly usage?: string;
  /** More usage lines, checked the same way. */
  readonly otherUsages?: readonly string[];
  /** Paragraphs after the options. */
  readonly notes?: string;
  /** Command lines, shown under "Examples:". */
  readonly examples: readonly string[];
  /** Runs with the parsed line (never for `--help`); resolves to the exit code. */
  handler(line: ParsedLine<O, P>, io: CliIO): Promise<number>;
}

/** A declared command, as main.ts dispatches to it. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The whole `tracemalloc <name> --help` text, generated from the declaration. */
  readonly help: string;
  /**
   * Parses `argv` (the arguments after the command name) and runs the
   * handler, or prints the help; resolves to the exit code.
   * @throws {UsageError} a command line the declaration does not accept
   */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
