// Parses a command line against a command's declaration (command.ts) with
// node:util's parseArgs, strict and with tokens. parseArgs' errors are mapped
// by their code, and the option at fault found in its tokens, so every usage
// error is our own one line built from the declaration: which option, what it
// expects. Node's English is never parsed.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorCode } from '../../helpers/errors';
import {
  UsageError,
  type OptionDeclarations,
  type OptionValues,
  type ParsedLine,
  type PositionalDeclaration,
  type PositionalValues,
  type StringOption,
} from './command';
import { HELP_OPTION, listOf, usageOf } from './help';

/** What a command line parses to, before the declaration's types are put on it. */
interface RawLine {
  /** Every declared option: flags false when absent, repeatable options [] when never given. */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Grouped as declared: a variadic positional is an array. */
  positionals: (string | string[] | undefined)[];
  terminated: boolean;
  /** `--help` was given: nothing else was checked. */
  help: boolean;
}

/** What main.ts and a command declare of their command line. */
interface LineDeclaration {
  readonly options: OptionDeclarations;
  readonly positionals: readonly PositionalDeclaration[];
  readonly passThrough?: boolean;
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];
type OptionToken = Extract<Token, { kind: 'option' }>;

/** The options with `--help`, in parseArgs' form. */
function withHelp(options: OptionDeclarations): OptionDeclarations {
  return 'help' in options ? options : { ...options, help: HELP_OPTION };
}

function parseArgsOptions(options: OptionDeclarations): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, option]) => [
      name,
      option.type === 'boolean'
        ? { type: 'boolean', ...(option.short === undefined ? {} : { short: option.short }) }
        : {
            type: 'string',
            ...(option.short === undefined ? {} : { short: option.short }),
            ...(option.multiple === true ? { multiple: true } : {}),
            ...(option.default === undefined ? {} : { default: option.default }),
          },
    ]),
  );
}

/** parseArgs takes "-" alone as a value, and anything else starting with "-" as a likely mistake. */
function optionLike(value: string): boolean {
  return value.length > 1 && value.startsWith('-');
}

/** What a value-taking option expects: `<n|all>`, or its choices. */
function expects(option: StringOption): string {
  return option.choices === undefined ? `<${option.value}>` : listOf(option.choices);
}

/**
 * The option token parseArgs refused with ERR_PARSE_ARGS_INVALID_OPTION_VALUE, and why:
 * the same checks, in the same order, that its strict mode makes.
 */
function invalidValue(tokens: readonly Token[], options: OptionDeclarations): string | undefined {
  for (const token of tokens) {
    if (token.kind !== 'option' || !Object.hasOwn(options, token.name)) continue;
    const option = options[token.name];
    const name = `--${token.name}`;
    if (option.type === 'boolean') {
      if (token.value !== undefined) return `option ${name} takes no value`;
    } else if (token.value === undefined) {
      return `option ${name} needs a value: ${expects(option)}`;
    } else if (!token.inlineValue && optionLike(token.value)) {
      // `--node-arg --no-warnings`: parseArgs takes a value that looks like an option for a missing value.
      return `option ${name} needs a value; write ${name}=${token.value} for a value starting with "-"`;
    }
  }
  return undefined;
}

/** The line split into parseArgs' tokens, leniently: nothing refused, so they can locate a fault or a boundary. */
function lenientTokens(argv: readonly string[], options: OptionDeclarations): Token[] {
  return parseArgs({
    args: [...argv],
    options: parseArgsOptions(options),
    strict: false,
    allowPositionals: true,
    tokens: true,
  }).tokens;
}

/** Our one-line message for the error parseArgs threw with `code`, if we know the code. */
function describeParseError(code: string, argv: readonly string[], options: OptionDeclarations): string | undefined {
  // Lenient, parseArgs only splits the line into tokens, which locate the fault.
  const tokens = lenientTokens(argv, options);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const token = tokens.find((t): t is OptionToken => t.kind === 'option' && !Object.hasOwn(options, t.name));
      return token === undefined ? undefined : `unknown option ${token.rawName}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return invalidValue(tokens, options);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const token = tokens.find((t) => t.kind === 'positional');
      return token?.kind === 'positional' ? `unexpected argument ${JSON.stringify(token.value)}` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * parseArgs, strict, with tokens.
 * @throws {UsageError} for its usage errors, in our words
 */
function strictParse(
  argv: readonly string[],
  options: OptionDeclarations,
  allowPositionals: boolean,
): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({
      args: [...argv],
      options: parseArgsOptions(options),
      strict: true,
      allowPositionals,
      tokens: true,
    });
  } catch (error) {
    // By code, not `instanceof`: node's errors come from another realm under jest.
    const code = errorCode(error);
    if (code === undefined || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    // A code we do not know (a newer Node's): its own first line, rather than none.
    throw new UsageError(
      describeParseError(code, argv, options) ?? String((error as { message?: unknown }).message).split('\n')[0],
    );
  }
}

/**
 * With `passThrough`, where our part of `argv` ends: at the first positional
 * (the script) or at `--`. The tokens tell, with short groups (`-cn5`) and
 * option values (`-o out.ntm`) already accounted for.
 */
function splitAtFirstPositional(
  argv: readonly string[],
  options: OptionDeclarations,
): { ours: string[]; rest: string[]; terminated: boolean } {
  const tokens = lenientTokens(argv, options);
  const first = tokens.find((token) => token.kind === 'positional' || token.kind === 'option-terminator');
  if (first === undefined) return { ours: [...argv], rest: [], terminated: false };
  const terminated = first.kind === 'option-terminator';
  return { ours: argv.slice(0, first.index), rest: argv.slice(first.index + (terminated ? 1 : 0)), terminated };
}

/** Each string value of an option with choices is one of them. */
function checkChoices(values: RawLine['values'], options: OptionDeclarations): void {
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string' || option.choices === undefined) continue;
    const value = values[name];
    for (const given of Array.isArray(value) ? value : typeof value === 'string' ? [value] : []) {
      if (!option.choices.includes(given)) {
        const hint = option.elsewhere?.[given];
        const more = hint === undefined ? '' : `; ${hint}`;
        throw new UsageError(`invalid --${name} ${JSON.stringify(given)} (expected ${listOf(option.choices)})${more}`);
      }
    }
  }
}

/** The positionals, counted against the declaration and grouped (the variadic one into an array). */
function groupPositionals(
  given: readonly string[],
  declared: readonly PositionalDeclaration[],
): RawLine['positionals'] {
  const required = declared.filter((p) => p.optional !== true && p.variadic !== true).length;
  if (given.length < required) {
    const missing = declared[given.length];
    // Which one is missing, and, when there are several, the order they go in.
    const order = required > 1 ? ` (expected ${usageOf(declared).replace('[options] ', '')})` : '';
    throw new UsageError(`missing ${missing.description}${order}`);
  }
  const variadic = declared.length > 0 && declared[declared.length - 1].variadic === true;
  if (!variadic && given.length > declared.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(given[declared.length])}`);
  }
  return declared.map((p, i) => (p.variadic === true ? given.slice(i) : given[i]));
}

/** Flags false when absent, repeatable options [] when never given. */
function completeValues(values: Record<string, unknown>, options: OptionDeclarations): RawLine['values'] {
  const complete: RawLine['values'] = {};
  for (const [name, option] of Object.entries(options)) {
    const value = values[name] as string | boolean | string[] | undefined;
    if (option.type === 'boolean') complete[name] = value === true;
    else if (option.multiple === true) complete[name] = value ?? [];
    else complete[name] = value;
  }
  return complete;
}

/**
 * Parses `argv` against a declaration: options (strict), `--help`, choices,
 * then positionals. With `--help`, only the options are checked.
 * @throws {UsageError} an unknown option, a missing or unexpected value, a
 *   value not among the choices, a missing or unexpected positional
 */
function parseLine(argv: readonly string[], declaration: LineDeclaration): RawLine {
  const options = withHelp(declaration.options);
  const split =
    declaration.passThrough === true
      ? splitAtFirstPositional(argv, options)
      : { ours: [...argv], rest: [], terminated: false };
  const parsed = strictParse(
    split.ours,
    options,
    declaration.passThrough !== true && declaration.positionals.length > 0,
  );
  const values = completeValues(parsed.values, options);
  const positionals = declaration.passThrough === true ? split.rest : parsed.positionals;
  const terminated = split.terminated || (parsed.tokens ?? []).some((token) => token.kind === 'option-terminator');
  if (values.help === true) return { values, positionals: [], terminated, help: true };
  checkChoices(values, options);
  return { values, positionals: groupPositionals(positionals, declaration.positionals), terminated, help: false };
}

/**
 * {@link parseLine}, its result typed by the declaration: `values.top` is a
 * string, `values.json` a boolean, a variadic positional an array.
 * @throws {UsageError} see {@link parseLine}
 */
export function parseDeclared<O extends OptionDeclarations, P extends readonly PositionalDeclaration[]>(
  argv: readonly string[],
  declaration: { readonly options: O; readonly positionals: P; readonly passThrough?: boolean },
): ParsedLine<O, P> & { readonly help: boolean } {
  const line = parseLine(argv, declaration);
  // parseLine completed the values and counted the positionals against this very declaration.
  return {
    values: line.values as OptionValues<O>,
    positionals: line.positionals as unknown as PositionalValues<P>,
    terminated: line.terminated,
    help: line.help,
  };
}
