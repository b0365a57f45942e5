// `tracemalloc export`: a dump to the formats other tools open. Pure TS over
// the loaded snapshot: never imports the native addon, so it runs on a laptop
// where the addon was never built.
import * as path from 'node:path';
import { errorCode } from '../errors';
import { toCollapsed, type CollapsedValue } from '../export/collapsed';
import { encodeHeapProfile } from '../export/heapprofile';
import { encodeSnapshotJson } from '../export/json';
import { encodePprof } from '../export/pprof';
import { writeOutputFile } from '../output-path';
import type { Snapshot } from '../snapshot';
import { loadDump, parse, type OptionSpec } from './args';
import { EXIT, UsageError, type CliIO, type Command } from './command';

/** What `--format` accepts. */
export const EXPORT_FORMATS = ['pprof', 'heapprofile', 'collapsed', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The format an output name implies, for `-o heap.pb.gz` without `--format`. */
function formatOfName(file: string): ExportFormat | undefined {
  const name = file.toLowerCase();
  if (/\.(pb|pb\.gz|pprof)$/.test(name)) return 'pprof';
  if (name.endsWith('.heapprofile')) return 'heapprofile';
  if (/\.(collapsed|folded)$/.test(name)) return 'collapsed';
  if (name.endsWith('.json')) return 'json';
  return undefined;
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
 * lib/output-path.ts).
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

const HELP = `Usage: tracemalloc export <dump.ntm> --format <format> [-o <file>] [options]

Writes a snapshot dump in a format other tools open. Needs no native addon:
export on any machine with Node, whatever machine took the dump.

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
               call stack (frames most recent first), largest first.

Options:
  -f, --format <format>   pprof | heapprofile | collapsed | json; may be left
                          out when -o ends in .pb.gz, .pprof, .heapprofile,
                          .collapsed, .folded or .json
  -o, --output <file>     where to write; "-" or no -o writes to stdout
                          (pprof, being binary, never to a terminal)
      --value <what>      collapsed only: size (bytes, the default) or count
                          (objects)
  -h, --help              show this help

Frames name the line where each function starts: V8 records no other. In a
sampled dump sizes and counts are estimates; pprof, heapprofile and collapsed
need integers, so values are rounded keeping the totals (each value within 1,
each total within 0.5 of the dump's). json keeps them unrounded.

Exit codes: 0 written; 1 the output could not be written; 2 bad usage;
3 the input is not a readable dump.

Examples:
  tracemalloc export heap.ntm -o heap.pb.gz
  tracemalloc export heap.ntm --format heapprofile -o heap.heapprofile
  tracemalloc export heap.ntm --format collapsed --value count > heap.folded
  tracemalloc export heap.ntm --format json | jq '.traces[0]'
`;

/** `tracemalloc export`: see {@link HELP} (`tracemalloc export --help`). */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write a dump as pprof, a DevTools .heapprofile, collapsed stacks or JSON',
  help: HELP,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv, OPTIONS, 1);
    if (values.help === true) {
      io.stdout.write(HELP);
      return EXIT.OK;
    }
    if (positionals.length === 0) throw new UsageError('missing the dump file to read');
    const output = typeof values.output === 'string' ? values.output : '-';
    const format = exportFormat(values.format as string | undefined, output);
    const value = (values.value as string | undefined) ?? 'size';
    if (value !== 'size' && value !== 'count') {
      throw new UsageError(`invalid --value ${JSON.stringify(value)} (expected size or count)`);
    }
    if (values.value !== undefined && format !== 'collapsed') {
      throw new UsageError('--value applies to --format collapsed only');
    }
    if (output === '-' && format === 'pprof' && io.isTTY) {
      throw new UsageError('pprof is binary: give -o <file>, or redirect stdout, rather than write it to a terminal');
    }
    writeOutput(output, encode(loadDump(positionals[0], io.cwd), format, value), io);
    return EXIT.OK;
  },
};

const OPTIONS: OptionSpec = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  value: { type: 'string' },
};

function exportFormat(given: string | undefined, output: string): ExportFormat {
  if (given === undefined) {
    const implied = output === '-' ? undefined : formatOfName(output);
    if (implied === undefined) throw new UsageError(`--format is required (${EXPORT_FORMATS.join(', ')})`);
    return implied;
  }
  if (!(EXPORT_FORMATS as readonly string[]).includes(given)) {
    throw new UsageError(`invalid --format ${JSON.stringify(given)} (expected ${EXPORT_FORMATS.join(', ')})`);
  }
  return given as ExportFormat;
}
