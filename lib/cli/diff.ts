// `tracemalloc diff old.ntm new.ntm`: what grew (or shrank) between two dumps.
import { loadDump, parse, REPORT_OPTIONS, reportHelp, reportOptions } from './args';
import { EXIT, UsageError, type CliIO, type Command } from './command';
import { colorFor, diffReport, formatDiff } from './report';

const HELP = `Usage: tracemalloc diff [options] <old.ntm> <new.ntm>

Show what changed from the old dump to the new one, largest change first
(Python's snapshot.compare_to): size and count in the new dump, and the
difference from the old one. Growth that stays between dumps taken over time
is where memory leaks. The tracer's own files are hidden. Needs no native addon.

Options:
${reportHelp()}

Examples:
  tracemalloc diff out-0001.ntm out-0005.ntm
  tracemalloc diff --key function --top all before.ntm after.ntm
`;

/** `tracemalloc diff`: see {@link HELP}. */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'show what grew between two dumps',
  help: HELP,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, REPORT_OPTIONS, 2);
    if (values.help === true) {
      io.stdout.write(HELP);
      return EXIT.OK;
    }
    const options = reportOptions(values);
    if (positionals.length < 2) throw new UsageError('expected two dump files: <old.ntm> <new.ntm>');
    const [oldFile, newFile] = positionals;
    const older = loadDump(oldFile, io.cwd);
    const newer = loadDump(newFile, io.cwd);
    const report = diffReport(older, newer, options, { old: oldFile, new: newFile });
    io.stdout.write(
      values.json === true
        ? `${JSON.stringify(report)}\n`
        : formatDiff(report, { source: newFile, cwd: io.cwd, color: colorFor(io.isTTY, io.env) }),
    );
    return EXIT.OK;
  },
};
