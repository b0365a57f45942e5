// The command-line engine of lib/faces/cli: a declaration parsed with parseArgs'
// tokens (parse.ts), parseArgs' error codes mapped to our messages, and the
// `--help` texts generated from the declarations (help.ts), which docs/cli.md
// must show as they are. In-process; the built CLI runs in cli-*.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, type OptionDeclarations } from '../lib/faces/cli/command';
import { COMMANDS } from '../lib/faces/cli/commands';
import { commandHelp, HELP_WIDTH } from '../lib/faces/cli/help';
import { mainHelp } from '../lib/faces/cli/main';
import { parseDeclared } from '../lib/faces/cli/parse';
import { repoRoot } from './helpers/child';

const OPTIONS = {
  key: {
    type: 'string',
    short: 'k',
    value: 'key',
    choices: ['lineno', 'function'],
    default: 'lineno',
    help: 'group by',
  },
  top: { type: 'string', short: 'n', value: 'n|all', help: 'how many' },
  output: { type: 'string', short: 'o', value: 'path', help: 'where' },
  include: { type: 'string', multiple: true, value: 'glob', help: 'keep' },
  cumulative: { type: 'boolean', short: 'c', help: 'count callers' },
  json: { type: 'boolean', help: 'as JSON' },
} as const satisfies OptionDeclarations;

const ONE_FILE = {
  options: OPTIONS,
  positionals: [{ name: 'dump.ntm', description: 'the dump file to read' }],
} as const;
const TWO_FILES = {
  options: OPTIONS,
  positionals: [
    { name: 'old.ntm', description: 'the old dump file' },
    { name: 'new.ntm', description: 'the new dump file' },
  ],
} as const;
const NO_POSITIONALS = { options: OPTIONS, positionals: [] } as const;
const SCRIPT = {
  options: OPTIONS,
  positionals: [
    { name: 'script', description: 'the script to run' },
    { name: 'args', description: "the script's arguments", optional: true, variadic: true },
  ],
  passThrough: true,
} as const;

/** The UsageError message parsing `argv` throws. */
function usageError(argv: string[], declaration: Parameters<typeof parseDeclared>[1] = ONE_FILE): string {
  try {
    parseDeclared(argv, declaration);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${JSON.stringify(argv)} parsed`);
}

describe('parsing a declared command line', () => {
  test('values are completed and typed: flags false, repeatable options [], defaults', () => {
    const { values, positionals, terminated, help } = parseDeclared(['x.ntm'], ONE_FILE);
    // The types are the declaration's: these assignments are compile-time checks too.
    const key: 'lineno' | 'function' = values.key;
    const top: string | undefined = values.top;
    const include: string[] = values.include;
    const json: boolean = values.json;
    const [file]: readonly [string] = positionals;
    expect({ key, top, include, json, cumulative: values.cumulative, file, terminated, help }).toEqual({
      key: 'lineno',
      top: undefined,
      include: [],
      json: false,
      cumulative: false,
      file: 'x.ntm',
      terminated: false,
      help: false,
    });
  });

  test('short groups, attached values, repeats and `--` come from parseArgs', () => {
    const { values, positionals, terminated } = parseDeclared(
      ['-cn5', '--include=a', '--include', 'b', '--', '-x.ntm'],
      ONE_FILE,
    );
    expect(values).toMatchObject({ cumulative: true, top: '5', include: ['a', 'b'] });
    expect(positionals).toEqual(['-x.ntm']);
    expect(terminated).toBe(true);
  });

  test('passThrough: everything from the first positional on is passed on untouched', () => {
    const line = parseDeclared(
      ['-cn5', '-o', 'out.ntm', '--key', 'function', 'app.js', '--top', '2', '-c', '--', '--bogus', '--help'],
      SCRIPT,
    );
    expect(line.values).toMatchObject({ cumulative: true, top: '5', output: 'out.ntm', key: 'function', json: false });
    expect(line.positionals).toEqual(['app.js', ['--top', '2', '-c', '--', '--bogus', '--help']]);
    expect(line.terminated).toBe(false);
    expect(line.help).toBe(false);
  });

  test('passThrough: `--` ends ours, and what follows is positional even when it looks like an option', () => {
    const line = parseDeclared(['--json', '--', '--no-warnings', 'app.js', 'x'], SCRIPT);
    expect(line.values.json).toBe(true);
    expect(line.positionals).toEqual(['--no-warnings', ['app.js', 'x']]);
    expect(line.terminated).toBe(true);
    expect(usageError(['--json', '--'], SCRIPT)).toBe('missing the script to run');
  });

  test('--help skips the other checks, but not an unknown option', () => {
    expect(parseDeclared(['--help', 'a', 'b', 'c', '--key', 'bogus'], ONE_FILE).help).toBe(true);
    expect(parseDeclared(['-h'], TWO_FILES).help).toBe(true);
    expect(usageError(['--help', '--bogus'])).toBe('unknown option --bogus');
  });
});

describe("parseArgs' error codes, in our words", () => {
  test.each([
    // ERR_PARSE_ARGS_UNKNOWN_OPTION: the option as typed, even inside a short group.
    [['--bogus', 'x.ntm'], 'unknown option --bogus'],
    [['--bogus=1', 'x.ntm'], 'unknown option --bogus'],
    [['-cx', 'x.ntm'], 'unknown option -x'],
    // ERR_PARSE_ARGS_INVALID_OPTION_VALUE: missing, a flag given a value, or a value that looks like an option.
    [['x.ntm', '--top'], 'option --top needs a value: <n|all>'],
    [['x.ntm', '-n'], 'option --top needs a value: <n|all>'],
    [['x.ntm', '--key'], 'option --key needs a value: lineno or function'],
    [['--json=yes', 'x.ntm'], 'option --json takes no value'],
    [['-n', '-3', 'x.ntm'], 'option --top needs a value; write --top=-3 for a value starting with "-"'],
    [['-k', '-c', 'x.ntm'], 'option --key needs a value; write --key=-c for a value starting with "-"'],
  ])('%j: %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  test('ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL, from a command without positionals', () => {
    expect(usageError(['--json', 'stray'], NO_POSITIONALS)).toBe('unexpected argument "stray"');
  });

  test('"-" alone is a value (stdout), as parseArgs takes it', () => {
    expect(parseDeclared(['-o', '-', 'x.ntm'], ONE_FILE).values.output).toBe('-');
  });

  test('the first fault is the one reported, as parseArgs checks them in order', () => {
    expect(usageError(['--json=1', '--bogus', 'x.ntm'])).toBe('option --json takes no value');
    expect(usageError(['--bogus', '--json=1', 'x.ntm'])).toBe('unknown option --bogus');
  });
});

describe('checks from the declaration', () => {
  test.each([
    [['--key', 'traceback', 'x.ntm'], 'invalid --key "traceback" (expected lineno or function)', ONE_FILE],
    [[], 'missing the dump file to read', ONE_FILE],
    [['a.ntm', 'b.ntm'], 'unexpected argument "b.ntm"', ONE_FILE],
    [[], 'missing the old dump file (expected <old.ntm> <new.ntm>)', TWO_FILES],
    [['a.ntm'], 'missing the new dump file (expected <old.ntm> <new.ntm>)', TWO_FILES],
    [['a.ntm', 'b.ntm', 'c.ntm'], 'unexpected argument "c.ntm"', TWO_FILES],
    [[], 'missing the script to run', SCRIPT],
  ] as const)('%j: %s', (argv, message, declaration) => {
    expect(usageError([...argv], declaration)).toBe(message);
  });
});

describe('--help, generated from the declarations', () => {
  test('options by section, with value names, (repeatable) and (default ...), --help last', () => {
    const help = commandHelp({
      name: 'demo',
      summary: 'a demo',
      description: 'Does nothing.',
      options: OPTIONS,
      sections: [
        { title: 'Options for grouping', options: ['key', 'top', 'cumulative'] },
        { title: 'Options for output', options: ['output', 'include', 'json'] },
      ],
      positionals: SCRIPT.positionals,
      otherUsages: ['[options] -- <script> [args...]'],
      examples: ['tracemalloc demo app.js'],
      handler: () => Promise.resolve(0),
    });
    expect(help).toBe(`Usage: tracemalloc demo [options] <script> [args...]
       tracemalloc demo [options] -- <script> [args...]

Does nothing.

Options for grouping:
  -k, --key <key>       group by (default lineno)
  -n, --top <n|all>     how many
  -c, --cumulative      count callers

Options for output:
  -o, --output <path>   where
      --include <glob>  keep (repeatable)
      --json            as JSON
  -h, --help            show this help

Examples:
  tracemalloc demo app.js
`);
  });

  test('a usage line that names an undeclared option or leaves out a positional is refused', () => {
    const demo = (usage: string): string =>
      commandHelp({
        name: 'demo',
        summary: '',
        description: '',
        usage,
        options: OPTIONS,
        positionals: ONE_FILE.positionals,
        examples: [],
        handler: () => Promise.resolve(0),
      });
    expect(demo('<dump.ntm> --key <key> [-o <path>] [options]')).toMatch(
      /^Usage: tracemalloc demo <dump\.ntm> --key <key> \[-o <path>\] \[options\]\n/,
    );
    expect(() => demo('<dump.ntm> --format <format>')).toThrow(/does not match the declaration \(--format\)/);
    expect(() => demo('<dump.ntm> [-f <format>]')).toThrow(/does not match the declaration \(-f\)/);
    expect(() => demo('[options] -- <file>')).toThrow(/does not match the declaration \(<dump\.ntm>\)/);
  });

  test('sections that leave out an option are refused', () => {
    expect(() =>
      commandHelp({
        name: 'demo',
        summary: '',
        description: '',
        options: OPTIONS,
        sections: [{ title: 'Some', options: ['key', 'top'] }],
        positionals: [],
        examples: [],
        handler: () => Promise.resolve(0),
      }),
    ).toThrow(/must list each option once/);
  });

  test.each(COMMANDS.map((command) => [command.name, command.help]))(
    `tracemalloc %s --help fits in ${HELP_WIDTH} columns`,
    (name, help) => {
      expect(help).toMatch(new RegExp(`^Usage: tracemalloc ${name} `));
      expect(help).toMatch(/\n {2}-h, --help {2,}show this help\n/);
      expect(help.split('\n').filter((line) => line.length > HELP_WIDTH)).toEqual([]);
    },
  );

  test('docs/cli.md shows every --help as it is (npm run docs:cli rewrites it)', () => {
    const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'cli.md'), 'utf8');
    const section = docs.slice(docs.indexOf('\n## `--help` of each command\n'));
    for (const [title, help] of [
      ['tracemalloc --help', mainHelp()],
      ...COMMANDS.map((c) => [`tracemalloc ${c.name} --help`, c.help]),
    ]) {
      expect([title, section.includes(`### \`${title}\`\n\n\`\`\`text\n${help}\`\`\`\n`)]).toEqual([title, true]);
    }
    expect(section.match(/^```text$/gm)).toHaveLength(COMMANDS.length + 1);
  });
});
