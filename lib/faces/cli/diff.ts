// `tracemalloc diff old.ntm new.ntm`: what grew (or shrank) between two dumps.
import { loadDump, REPORT_OPTIONS, reportOptions } from './args';
import { EXIT } from './command';
import { defineCommand } from './define-command';
import { colorFor, diffReport, formatDiff } from '../report';

/** `tracemalloc diff`: see `tracemalloc diff --help`. */
export const diffCommand = defineCommand({
  name: 'diff',
  summary: 'show what grew between two dumps',
  description: `Show what changed from the old dump to the new one, largest change first (Python's snapshot.compare_to): size and count in the new dump, and the difference from the old one. Growth that stays between dumps taken over time is where memory leaks. The tracer's own files are hidden. Needs no native addon.`,
  options: REPORT_OPTIONS,
  positionals: [
    { name: 'old.ntm', description: 'the old dump file' },
    { name: 'new.ntm', description: 'the new dump file' },
  ],
  examples: [
    'tracemalloc diff out-0001.ntm out-0005.ntm',
    'tracemalloc diff --key function --top all before.ntm after.ntm',
  ],
  async handler({ values, positionals: [oldFile, newFile] }, io) {
    const options = reportOptions(values);
    const older = loadDump(oldFile, io.cwd);
    const newer = loadDump(newFile, io.cwd);
    const report = diffReport(older, newer, options, { old: oldFile, new: newFile });
    io.stdout.write(
      values.json
        ? `${JSON.stringify(report)}\n`
        : formatDiff(report, { source: newFile, cwd: io.cwd, color: colorFor(io.isTTY, io.env) }),
    );
    return EXIT.OK;
  },
});
