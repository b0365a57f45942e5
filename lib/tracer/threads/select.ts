// Threads in a snapshot: which ones it holds (the domains of its traces), a
// selection of some (`--thread`), and what register says of missing ones.
import { argError } from '../../helpers/errors';
import { DomainFilter } from '../../model/filter';
import type { Snapshot } from '../../model/snapshot';
import type { ThreadStatus } from './merge';

/** The thread ids (domains) of a snapshot's traces, ascending. */
export function threadsOf(snapshot: Snapshot): number[] {
  const seen = new Set<number>();
  const domains = snapshot.table.sampleDomain;
  for (let i = 0; i < domains.length; i++) seen.add(domains[i]);
  return [...seen].sort((a, b) => a - b);
}

/**
 * The traces of the given threads only (DomainFilters: inclusive ones keep a
 * trace matching any of them).
 * @throws {RangeError} a thread id that is not an integer from 0 to 2^32-1
 */
export function selectThreads(snapshot: Snapshot, threads: readonly number[]): Snapshot {
  return snapshot.filterTraces(threads.map((id) => new DomainFilter(true, id)));
}

/** `0,3,4` (from --thread) as thread ids. @throws {RangeError} anything else */
export function parseThreadList(text: string): number[] {
  const ids = text.split(',').map((part) => part.trim());
  if (ids.some((id) => !/^\d{1,10}$/.test(id) || Number(id) > 0xffffffff)) {
    throw argError(
      'ERR_INVALID_ARG_VALUE',
      `invalid thread list ${JSON.stringify(text)} (expected thread ids separated by commas: 0 is the main thread)`,
    );
  }
  return [...new Set(ids.map(Number))];
}

/** "main, 3, 4": thread 0 named. */
export function threadNames(ids: readonly number[]): string {
  return ids.map((id) => (id === 0 ? 'main' : String(id))).join(', ');
}

/**
 * Lines for the threads whose tables are not in a dump (`file`), each thread
 * once: `said` remembers which were told.
 */
export function missingThreads(snapshot: Snapshot, said: Set<number>, file: string | undefined): string[] {
  const threads = (snapshot as { threads?: readonly ThreadStatus[] }).threads ?? [];
  const where = file === undefined ? 'the report' : file;
  const lines: string[] = [];
  for (const t of threads) {
    if (t.state !== 'missing' || said.has(t.threadId)) continue;
    said.add(t.threadId);
    lines.push(`thread ${t.threadId} is not in ${where}: ${t.detail ?? 'no table'}`);
  }
  return lines;
}
