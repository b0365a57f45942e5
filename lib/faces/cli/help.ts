// `--help` texts generated from the command declarations (command.ts), so
// that the help lists exactly the options the parser accepts.
import type {
  CommandDeclaration,
  OptionDeclaration,
  OptionDeclarations,
  OptionSection,
  PositionalDeclaration,
} from './command';

/** Help lines are wrapped to this many columns. */
export const HELP_WIDTH = 80;

/** The `--help` option every command has. */
export const HELP_OPTION = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies OptionDeclaration;

/** `a, b or c`. */
export function listOf(items: readonly string[], last = 'or'): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/** Word-wraps one line to `width` columns; a word longer than that keeps its own line. */
function wrapLine(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ').filter((w) => w !== '')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  return [...lines, current];
}

/**
 * Wraps `text` to `width` columns, each line indented by `indent`. A line
 * that starts with a space (a table, a command) is kept as written.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  return text.split('\n').flatMap((line) => {
    if (line === '') return [''];
    if (line.startsWith(' ')) return [indent + line];
    return wrapLine(line, width - indent.length).map((part) => indent + part);
  });
}

/** `-n, --top <n|all>`, `    --json`: the short form, if any, in its own column. */
export function optionLabel(name: string, option: OptionDeclaration): string {
  const short = option.short === undefined ? '    ' : `-${option.short}, `;
  return `${short}--${name}${option.type === 'string' ? ` <${option.value}>` : ''}`;
}

/** An option's help text with what the declaration adds: (repeatable), (default x). */
function optionText(option: OptionDeclaration): string {
  if (option.type === 'boolean') return option.help;
  const notes = [
    option.multiple === true ? 'repeatable' : '',
    option.default === undefined ? '' : `default ${option.default}`,
  ];
  const added = notes.filter((note) => note !== '').join('; ');
  return added === '' ? option.help : `${option.help} (${added})`;
}

/** Rows of `  <label>  <text>`, texts starting at one column for all of `options`. */
export function optionRows(options: readonly (readonly [string, OptionDeclaration])[], column?: number): string[] {
  const at = column ?? optionColumn(options);
  return options.flatMap(([name, option]) => {
    const label = `  ${optionLabel(name, option)}`;
    const [first, ...rest] = wrap(optionText(option), HELP_WIDTH, ' '.repeat(at));
    // A label too long for the column puts the text on the next line.
    const head = label.length + 2 <= at ? [label.padEnd(at) + first.slice(at)] : [label, first];
    return [...head, ...rest];
  });
}

/** The column where option texts start: two spaces after the longest label. */
function optionColumn(options: readonly (readonly [string, OptionDeclaration])[]): number {
  return Math.max(...options.map(([name, option]) => optionLabel(name, option).length)) + 4;
}

/** `<dump.ntm>`, `[args...]`. */
function positionalUsage(positional: PositionalDeclaration): string {
  const name = `${positional.name}${positional.variadic === true ? '...' : ''}`;
  return positional.optional === true ? `[${name}]` : `<${name}>`;
}

/** `[options] <old.ntm> <new.ntm>`: the usage after `tracemalloc <name> `. */
export function usageOf(positionals: readonly PositionalDeclaration[]): string {
  return ['[options]', ...positionals.map(positionalUsage)].join(' ');
}

/**
 * Refuses a hand-written usage line that names an option the command does
 * not declare, or leaves out a positional: it cannot drift from the parser.
 */
function checkUsage<O extends OptionDeclarations, P extends readonly PositionalDeclaration[]>(
  command: CommandDeclaration<O, P>,
  usage: string,
): void {
  const options: OptionDeclarations = command.options;
  const longs = new Set(Object.keys(options));
  const shorts = new Set(Object.values(options).map((option) => option.short));
  // `--format`, `-o`; not `--` alone, which ends the options.
  const named = usage.match(/(?<=^|[\s[])(--\w[\w-]*|-\w)(?=[\s\]=]|$)/g) ?? [];
  const unknown = named.filter((flag) =>
    flag.startsWith('--') ? !longs.has(flag.slice(2)) : !shorts.has(flag.slice(1)),
  );
  const missing = command.positionals.filter((positional) => !usage.includes(positionalUsage(positional)));
  if (unknown.length > 0 || missing.length > 0) {
    const what = [...unknown, ...missing.map(positionalUsage)].join(', ');
    throw new Error(`tracemalloc ${command.name}: the usage line "${usage}" does not match the declaration (${what})`);
  }
}

/** The sections of the help, each option in one, `--help` last; checks that the sections cover every option once. */
function sectionsOf<O extends OptionDeclarations>(
  name: string,
  options: O,
  sections: readonly OptionSection<O>[] | undefined,
): { title: string; options: [string, OptionDeclaration][] }[] {
  const declared = sections ?? [{ title: 'Options', options: Object.keys(options) }];
  const listed = declared.flatMap((section) => section.options);
  const names = Object.keys(options).filter((option) => option !== 'help');
  if (listed.length !== names.length || !names.every((option) => listed.includes(option))) {
    throw new Error(`tracemalloc ${name}: the help sections must list each option once (${listed.join(', ')})`);
  }
  const help: [string, OptionDeclaration] = ['help', options.help ?? HELP_OPTION];
  return declared.map((section, i) => ({
    title: section.title,
    options: [
      ...section.options.map((option): [string, OptionDeclaration] => [option, options[option]]),
      ...(i === declared.length - 1 ? [help] : []),
    ],
  }));
}

/**
 * The whole `tracemalloc <name> --help` text: usage, description, the
 * options by section, notes, examples.
 */
export function commandHelp<O extends OptionDeclarations, P extends readonly PositionalDeclaration[]>(
  command: CommandDeclaration<O, P>,
): string {
  const prefix = `tracemalloc ${command.name} `;
  const usages = [command.usage ?? usageOf(command.positionals), ...(command.otherUsages ?? [])];
  for (const usage of usages) checkUsage(command, usage);
  const lines = usages.map((usage, i) => `${i === 0 ? 'Usage: ' : '       '}${prefix}${usage}`);
  lines.push('', ...wrap(command.description.trim(), HELP_WIDTH));
  const sections = sectionsOf(command.name, command.options, command.sections);
  const column = optionColumn(sections.flatMap((section) => section.options));
  for (const section of sections) lines.push('', `${section.title}:`, ...optionRows(section.options, column));
  if (command.notes !== undefined) lines.push('', ...wrap(command.notes.trim(), HELP_WIDTH));
  if (command.examples.length > 0) lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  return `${lines.join('\n')}\n`;
}
