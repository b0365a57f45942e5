// Dumps of one process written as a series: numbered (`%n`), the oldest
// beyond `keep` removed, each named in `tracemalloc run`'s manifest. One
// writer per process, shared by the periodic dumps, the dumps on a signal and
// the last dump at exit (lib/faces/register-session.ts), and by dumpOnSignal().
import * as fs from 'node:fs';
import { ENV, seriesPath } from './activation';
import { dumpSnapshot } from '../model/dump';
import { colorFor, renderTop } from './report';
import type { Snapshot } from '../model/snapshot';

const PREFIX = 'node-tracemalloc: ';

/** Writes a line to stderr now: at exit and before process.exit() an async write could be lost. */
export function say(message: string): void {
  try {
    fs.writeSync(2, `${PREFIX}${message.replace(/\s*\n\s*/g, ' ')}\n`);
  } catch {
    // stderr closed: nowhere left to say it.
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface SeriesOptions {
  /** Expanded template (lib/faces/activation.ts expandOutput): `%n` numbers the dumps. */
  output: string;
  /** Dumps kept on disk, the newest (`Infinity`: all). */
  keep: number;
  /** `tracemalloc run`'s manifest: one line per dump written. */
  manifest?: string;
}

export class DumpSeries {
  private dumps = 0;

  constructor(private readonly options: SeriesOptions) {}

  /** Writes the next dump of the series; returns its path. @throws the dump's own errors */
  write(snapshot: Snapshot): string {
    const { output, manifest } = this.options;
    const file = seriesPath(output, ++this.dumps);
    dumpSnapshot(snapshot, file);
    if (manifest !== undefined) {
      try {
        fs.appendFileSync(manifest, `${file}\n`);
      } catch {
        // `tracemalloc run` is gone (killed) and its directory with it: no one to tell.
      }
    }
    this.prune();
    return file;
  }

  /** At most `keep` dumps of a `%n` series stay on disk: the oldest goes, the newest (the exit dump) stays. */
  private prune(): void {
    const { output, keep } = this.options;
    const oldest = this.dumps - keep;
    if (oldest < 1 || seriesPath(output, oldest) === seriesPath(output, this.dumps)) return;
    if (oldest === 1)
      say(`keeping the last ${keep} dumps of the series, removing older ones (${ENV.KEEP}=all keeps every one)`);
    try {
      fs.rmSync(seriesPath(output, oldest), { force: true });
    } catch (error) {
      say(`cannot remove an old dump: ${messageOf(error)}`);
    }
  }
}

/** The top `lines` sites by line of `snapshot` on stderr, titled with `source` (a dump path). */
export function reportToStderr(snapshot: Snapshot, lines: number, source: string): void {
  const text = renderTop(
    snapshot,
    { key: 'lineno', top: lines, cumulative: false, include: [], exclude: [] },
    { source, cwd: process.cwd(), color: colorFor(process.stderr.isTTY === true, process.env) },
  );
  try {
    fs.writeSync(2, text);
  } catch {
    // stderr closed
  }
}
