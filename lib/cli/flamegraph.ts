// `tracemalloc flamegraph`: a dump to one self-contained HTML flame graph.
// Pure TS: never imports the native addon.
import * as path from 'node:path';
import { escapeControlChars } from '../control-chars';
import { toFlameGraphHtml } from '../export/flamegraph';
import { formatSize } from '../format';
import { loadDump, parse, type OptionSpec, type Values } from './args';
import { EXIT, UsageError, type CliIO, type Command } from './command';
import { writeOutput } from './export';
import { reportFilters } from './report';

const HELP = `Usage: tracemalloc flamegraph <dump.ntm> [-o <report.html>] [options]

Draws a snapshot dump as a flame graph in one self-contained HTML file (no
network: mail it, attach it, open it offline). Click a frame to zoom, Escape
to zoom out; search highlights matching frames and shows their share; hover
for size, objects, file:line; a button flips icicle and flame views. The
header says whether the numbers are exact or estimated, and the totals.
Needs no native addon.

Options:
  -o, --output <file>     where to write (default: the dump's name with .html,
                          in the current directory); "-" writes to stdout
      --title <text>      the page's title (default: the dump's file name)
      --include <glob>    keep only traces whose most recent frame's file
                          matches (repeatable; globs match whole absolute
                          paths, * crosses /: '*/src/*')
      --exclude <glob>    drop traces whose most recent frame's file matches
                          (repeatable)
      --all-frames        --include/--exclude test every frame of the stack:
                          --include '*/src/*' --all-frames keeps every trace
                          with a frame in your code
  -h, --help              show this help

The tracer's own files are hidden, as in top and diff.

Exit codes: 0 written; 1 the output could not be written; 2 bad usage;
3 the input is not a readable dump.

Examples:
  tracemalloc flamegraph heap.ntm
  tracemalloc flamegraph heap.ntm -o report.html --title "api, 10 min under load"
  tracemalloc flamegraph heap.ntm --include '*/src/*' --all-frames
`;

/** `tracemalloc flamegraph`: see {@link HELP} (`tracemalloc flamegraph --help`). */
export const flamegraphCommand: Command = {
  name: 'flamegraph',
  summary: 'write a dump as a self-contained HTML flame graph',
  help: HELP,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, OPTIONS, 1);
    if (values.help === true) {
      io.stdout.write(HELP);
      return EXIT.OK;
    }
    if (positionals.length === 0) throw new UsageError('missing the dump file to read');
    const input = positionals[0];
    const output =
      typeof values.output === 'string' ? values.output : `${path.basename(input).replace(/\.ntm$/i, '')}.html`;
    const filters = reportFilters({
      // Only the filter fields count here: a flame graph shows every site.
      key: 'lineno',
      top: Infinity,
      cumulative: false,
      include: strings(values.include),
      exclude: strings(values.exclude),
      allFrames: values['all-frames'] === true,
    });
    const snapshot = loadDump(input, io.cwd).filterTraces(filters);
    const title = typeof values.title === 'string' ? values.title : path.basename(input);
    const html = toFlameGraphHtml(snapshot, { title });
    writeOutput(output, html, io);
    if (output !== '-') io.stdout.write(`Wrote ${escapeControlChars(output)} (${formatSize(Buffer.byteLength(html))})\n`);
    return EXIT.OK;
  },
};

const OPTIONS: OptionSpec = {
  output: { type: 'string', short: 'o' },
  title: { type: 'string' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'all-frames': { type: 'boolean' },
};

function strings(value: Values[string]): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
