// `tracemalloc top dump.ntm`: the top allocation sites of a dump.
import { loadDump, REPORT_OPTIONS, reportOptions } from './args';
import { EXIT } from './command';
import { defineCommand } from './define-command';
import { colorFor, formatTop, topReport } from '../report';

/** `tracemalloc top`: see `tracemalloc top --help`. */
export const topCommand = defineCommand({
  name: 'top',
  summary: 'show the top allocation sites of a dump',
  description: `Show the top allocation sites of a dump (written by \`tracemalloc run\`, NODE_TRACEMALLOC_OUTPUT or snapshot.dump()), largest first. Sizes and counts are exact when the dump was traced with interval 1, estimates otherwise: the header says which. The tracer's own files are hidden. Needs no native addon.`,
  options: REPORT_OPTIONS,
  positionals: [{ name: 'dump.ntm', description: 'the dump file to read' }],
  examples: [
    'tracemalloc top heap.ntm',
    'tracemalloc top --key traceback --top 5 heap.ntm',
    'tracemalloc top --thread 3,4 heap.ntm',
    "tracemalloc top --include '*/src/*' --exclude 'node:*' --json heap.ntm",
  ],
  async handler({ values, positionals: [file] }, io) {
    const report = topReport(loadDump(file, io.cwd), reportOptions(values), file);
    io.stdout.write(
      values.json
        ? `${JSON.stringify(report)}\n`
        : formatTop(report, { source: file, cwd: io.cwd, color: colorFor(io.isTTY, io.env) }),
    );
    return EXIT.OK;
  },
});
