// `tracemalloc export`: a dump to the formats other tools open. Pure TS over
// the loaded snapshot: never imports the native addon, so it runs on a laptop
// where the addon was never built.
import * as path from 'node:path';
import { errorCode } from '../../helpers/errors';
import { toCollapsed, type CollapsedValue } from '../export/collapsed';
import { encodeHeapProfile } from '../export/heapprofile';
import { encodeSnapshotJson } from '../export/json';
import { encodePprof } from '../export/pprof';
import { writeOutputFile } from '../../helpers/output-path';
import type { Snapshot } from '../../model/snapshot';
import { loadDump, THREAD_OPTION, threadOption, threadsSelected } from './args';
import { EXIT, UsageError, type CliIO } from './command';
import { defineCommand } from './define-command';
import { listOf } from './help';

/** What `--format` accepts. */
export const EXPORT_FORMATS = ['pprof', 'heapprofile', 'collapsed', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What `--value` accepts (collapsed only). */
const COLLAPSED_VALUES = ['size', 'count'] as const satisfies readonly CollapsedValue[];

/** Output names that imply a format, for `-o heap.pb.gz` without `--format`. */
const IMPLIED_FORMATS: readonly (readonly [suffix: string, format: ExportFormat])[] = [
  ['.pb.gz', 'pprof'],
  ['.pb', 'pprof'],
  ['.pprof', 'pprof'],
  ['.heapprofile', 'heapprofile'],
  ['.collapsed', 'collapsed'],
  ['.folded', 'collapsed'],
  ['.json', 'json'],
];

/** For who asks export for a flame graph: it is a command of its own. */
const FLAMEGRAPH_HINT =
  'the HTML flame graph is a command of its own: tracemalloc flamegraph <dump.ntm> -o report.html';

/** The format an output name implies, if any. */
function formatOfName(file: string): ExportFormat | undefined {
  const name = file.toLowerCase();
  return IMPLIED_FORMATS.find(([suffix]) => name.endsWith(suffix))?.[1];
}

const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/**
 * Writes an export to `file` (relative to `io.cwd`), or to stdout for `-`:
 * atomically, replacing a symlink rather than writing through it (see
 * lib/helpers/output-path.ts).
 * @throws {Error} with `exitCode` 1 and a one-line message when the file cannot be written
 */
export function writeOutput(file: string, data: string | Uint8Array, io: CliIO): void {
  if (file === '-') {
    io.stdout.write(data);
    return;
  }
  try {
    writeOutputFile(path.resolve(io.cwd, file), data);
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined || !/^E[A-Z]+$/.test(code)) throw error;
    // main.ts prints an error with an exitCode as one line: no stack for a bad path.
    throw Object.assign(new Error(`cannot write ${file}: ${WRITE_REASONS[code] ?? code}`), { exitCode: EXIT.FAILED });
  }
}

function encode(snapshot: Snapshot, format: ExportFormat, value: CollapsedValue): string | Buffer {
  switch (format) {
    case 'pprof':
      return encodePprof(snapshot);
    case 'heapprofile':
      return encodeHeapProfile(snapshot);
    case 'collapsed':
      return toCollapsed(snapshot, { value });
    case 'json':
      return encodeSnapshotJson(snapshot);
  }
}

/** `tracemalloc export`: see `tracemalloc export --help`. */
export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write a dump as pprof, a DevTools .heapprofile, collapsed stacks or JSON',
  description: `Writes a snapshot dump in a format other tools open. Needs no native addon: export on any machine with Node, whatever machine took the dump.

Formats:
  pprof        gzipped profile.proto in pprof's heap-profile shape (sample
               types objects/count and space/bytes), for go tool pprof and
               the services that take pprof files:
                 go tool pprof -top -sample_index=space heap.pb.gz
                 go tool pprof -http=: heap.pb.gz
  heapprofile  the JSON node --heap-prof writes: Chrome DevTools, Memory tab,
               "Load profile".
  collapsed    one "outer;...;inner 1234" line per call path: flamegraph.pl,
               inferno, speedscope.
  json         the snapshot as JSON for scripts: info, then traces grouped by
               call stack (frames most recent first), largest first.`,
  usage: '<dump.ntm> --format <format> [-o <file>] [options]',
  options: {
    format: {
      type: 'string',
      short: 'f',
      value: 'format',
      choices: EXPORT_FORMATS,
      elsewhere: { flamegraph: FLAMEGRAPH_HINT, html: FLAMEGRAPH_HINT },
      help: `${EXPORT_FORMATS.join(' | ')}; may be left out when -o ends in ${listOf(IMPLIED_FORMATS.map(([suffix]) => suffix))}`,
    },
    output: {
      type: 'string',
      short: 'o',
      value: 'file',
      help: 'where to write; "-" or no -o writes to stdout (pprof, being binary, never to a terminal)',
    },
    value: {
      type: 'string',
      value: 'what',
      choices: COLLAPSED_VALUES,
      help: 'collapsed only: size (bytes, the default) or count (objects)',
    },
    ...THREAD_OPTION,
  },
  positionals: [{ name: 'dump.ntm', description: 'the dump file to read' }],
  notes: `Frames name the line where each function starts: V8 records no other. In a sampled dump sizes and counts are estimates; pprof, heapprofile and collapsed need integers, so values are rounded keeping the totals (each value within 1, each total within 0.5 of the dump's). json keeps them unrounded.

Exit codes: 0 written; 1 the output could not be written; 2 bad usage; 3 the input is not a readable dump.`,
  examples: [
    'tracemalloc export heap.ntm -o heap.pb.gz',
    'tracemalloc export heap.ntm --format heapprofile -o heap.heapprofile',
    'tracemalloc export heap.ntm --format collapsed --value count > heap.folded',
    "tracemalloc export heap.ntm --format json | jq '.traces[0]'",
    'tracemalloc export heap.ntm --thread 0 -o main-thread.pb.gz',
  ],
  async handler({ values, positionals: [input] }, io) {
    const output = values.output ?? '-';
    const format = values.format ?? impliedFormat(output);
    if (values.value !== undefined && format !== 'collapsed') {
      throw new UsageError('--value applies to --format collapsed only');
    }
    if (output === '-' && format === 'pprof' && io.isTTY) {
      throw new UsageError('pprof is binary: give -o <file>, or redirect stdout, rather than write it to a terminal');
    }
    const snapshot = threadsSelected(loadDump(input, io.cwd), threadOption(values));
    writeOutput(output, encode(snapshot, format, values.value ?? 'size'), io);
    return EXIT.OK;
  },
});

/**
 * The format `-o` implies.
 * @throws {UsageError} none implied: --format is required
 */
function impliedFormat(output: string): ExportFormat {
  const implied = output === '-' ? undefined : formatOfName(output);
  const html = output.toLowerCase().endsWith('.html') ? `; ${FLAMEGRAPH_HINT}` : '';
  if (implied === undefined) throw new UsageError(`--format is required (${listOf(EXPORT_FORMATS)})${html}`);
  return implied;
}
