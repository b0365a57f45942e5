// `tracemalloc top dump.ntm`: the top allocation sites of a dump.
import { loadDump, parse, REPORT_OPTIONS, reportHelp, reportOptions } from './args';
import { EXIT, UsageError, type CliIO, type Command } from './command';
import { colorFor, formatTop, topReport } from './report';

const HELP = `Usage: tracemalloc top [options] <dump.ntm>

Show the top allocation sites of a dump (written by \`tracemalloc run\`,
NODE_TRACEMALLOC_OUTPUT or snapshot.dump()), largest first. Sizes and counts
are exact when the dump was traced with interval 1, estimates otherwise: the
header says which. The tracer's own files are hidden. Needs no native addon.

Options:
${reportHelp()}

Examples:
  tracemalloc top heap.ntm
  tracemalloc top --key traceback --top 5 heap.ntm
  tracemalloc top --include '*/src/*' --exclude 'node:*' --json heap.ntm
`;

/** `tracemalloc top`: see {@link HELP}. */
export const topCommand: Command = {
  name: 'top',
  summary: 'show the top allocation sites of a dump',
  help: HELP,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, REPORT_OPTIONS, 1);
    if (values.help === true) {
      io.stdout.write(HELP);
      return EXIT.OK;
    }
    const options = reportOptions(values);
    if (positionals.length === 0) throw new UsageError('missing the dump file to read');
    const file = positionals[0];
    const report = topReport(loadDump(file, io.cwd), options, file);
    io.stdout.write(
      values.json === true
        ? `${JSON.stringify(report)}\n`
        : formatTop(report, { source: file, cwd: io.cwd, color: colorFor(io.isTTY, io.env) }),
    );
    return EXIT.OK;
  },
};
