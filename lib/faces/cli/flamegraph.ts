// `tracemalloc flamegraph`: a dump to one self-contained HTML flame graph.
// Pure TS: never imports the native addon.
import * as path from 'node:path';
import { escapeControlChars } from '../../helpers/control-chars';
import { toFlameGraphHtml } from '../export/flamegraph';
import { formatSize } from '../../helpers/format';
import { FILTER_OPTIONS, filterOptions, loadDump, threadOption, threadsSelected } from './args';
import { EXIT } from './command';
import { defineCommand } from './define-command';
import { writeOutput } from './export';
import { reportFilters } from '../report';

/** `tracemalloc flamegraph`: see `tracemalloc flamegraph --help`. */
export const flamegraphCommand = defineCommand({
  name: 'flamegraph',
  summary: 'write a dump as a self-contained HTML flame graph',
  description: `Draws a snapshot dump as a flame graph in one self-contained HTML file (no network: mail it, attach it, open it offline). Click a frame to zoom, Escape to zoom out; search highlights matching frames and shows their share; hover for size, objects, file:line; a button flips icicle and flame views. The header says whether the numbers are exact or estimated, and the totals. Needs no native addon.`,
  usage: '<dump.ntm> [-o <report.html>] [options]',
  options: {
    output: {
      type: 'string',
      short: 'o',
      value: 'file',
      help: 'where to write (default: the dump\'s name with .html, in the current directory); "-" writes to stdout',
    },
    title: { type: 'string', value: 'text', help: "the page's title (default: the dump's file name)" },
    ...FILTER_OPTIONS,
  },
  positionals: [{ name: 'dump.ntm', description: 'the dump file to read' }],
  notes: `The tracer's own files are hidden, as in top and diff. --include '*/src/*' --all-frames keeps every trace with a frame in your code.

Exit codes: 0 written; 1 the output could not be written; 2 bad usage; 3 the input is not a readable dump.`,
  examples: [
    'tracemalloc flamegraph heap.ntm',
    'tracemalloc flamegraph heap.ntm -o report.html --title "api under load"',
    "tracemalloc flamegraph heap.ntm --include '*/src/*' --all-frames",
    'tracemalloc flamegraph heap.ntm --thread 3 -o worker-3.html',
  ],
  async handler({ values, positionals: [input] }, io) {
    const output = values.output ?? `${path.basename(input).replace(/\.ntm$/i, '')}.html`;
    // Only the filter fields count here: a flame graph shows every site.
    const filters = reportFilters({ key: 'lineno', top: Infinity, cumulative: false, ...filterOptions(values) });
    const snapshot = threadsSelected(loadDump(input, io.cwd), threadOption(values)).filterTraces(filters);
    const html = toFlameGraphHtml(snapshot, { title: values.title ?? path.basename(input) });
    writeOutput(output, html, io);
    if (output !== '-')
      io.stdout.write(`Wrote ${escapeControlChars(output)} (${formatSize(Buffer.byteLength(html))})\n`);
    return EXIT.OK;
  },
});
