// Top allocation sites for failure messages and reports, in the library's
// Statistic format ("app.js:12: size=5120 B, count=80, average=64 B").
import { Frame, UNKNOWN_FILENAME } from '../model/frame';
import { formatSize } from '../helpers/format';
import { NO_STACK, type Snapshot } from '../model/snapshot';
import { Statistic } from '../model/statistics';
import { Traceback } from '../model/traceback';
import { isOwnFile } from '../helpers/own-files';
import { scriptedStacks } from './own';

/**
 * Allocation sites of a snapshot, largest first, each keyed by the innermost
 * frame that has a script: what a builtin allocates (`'x'.repeat(n)`,
 * `Object.keys(o)`, array growth in `push`) is charged to the line of code
 * that called it, where `snapshot.statistics('lineno')` would show
 * `<unknown>:0`. Lines are function start lines, as everywhere in V8's sampler.
 *
 * @example
 * for (const stat of topSites(result.snapshot, 5)) console.log(String(stat));
 * @throws never for a well-formed snapshot
 */
export function topSites(snapshot: Snapshot, limit = 10): Statistic[] {
  const t = snapshot.table;
  const scripted = scriptedStacks(t);
  const size = new Map<number, number>();
  const count = new Map<number, number>();
  // Key: a frame row, or -1 for samples with no frame at all.
  for (let i = 0; i < t.sampleStack.length; i++) {
    const stack = t.sampleStack[i];
    let key = -1;
    if (stack !== NO_STACK && stack < scripted.length) {
      const row = scripted[stack] >= 0 ? scripted[stack] : stack;
      key = t.stackFrame[row];
    }
    size.set(key, (size.get(key) ?? 0) + t.sampleSize[i]);
    count.set(key, (count.get(key) ?? 0) + t.sampleCount[i]);
  }
  const stats: Statistic[] = [];
  for (const [key, bytes] of size) {
    const frame = key < 0 ? new Frame(UNKNOWN_FILENAME, 0) : snapshot.frame(key);
    stats.push(new Statistic(new Traceback([frame]), bytes, count.get(key) ?? 0));
  }
  stats.sort((a, b) => b.size - a.size || b.count - a.count);
  return stats.slice(0, Math.max(0, limit));
}

/** @internal A count with at most two decimals, trailing zeros dropped: 104, 0.5, 1.33. */
export function formatPerCall(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Indented lines listing the top sites of `snapshot`, with each site's share
 * per call when `calls` is given; a line saying so when nothing was recorded.
 *
 * @example
 * formatTopSites(result.snapshot, { calls: result.iterations })
 * // "  /app/parse.js:12: size=542 KiB, count=10400, average=53 B (per call: 5552 B, 104 objects)"
 * @throws never for a well-formed snapshot
 */
export function formatTopSites(
  snapshot: Snapshot,
  options: { limit?: number; calls?: number; indent?: string } = {},
): string {
  const indent = options.indent ?? '  ';
  const stats = topSites(snapshot, options.limit ?? 5);
  if (stats.length === 0) return `${indent}(no allocation recorded)`;
  const calls = options.calls;
  return stats
    .map((stat) => {
      let line = `${indent}${String(stat)}`;
      if (calls !== undefined && calls > 1) {
        const objects = stat.count / calls;
        line += ` (per call: ${formatSize(Math.round(stat.size / calls))}, ${formatPerCall(objects)} ${objects === 1 ? 'object' : 'objects'})`;
      }
      return line;
    })
    .join('\n');
}

/**
 * @internal
 * The frames of `traceback` that ran inside the measured function: those
 * more recent than the last frame of this package (measure's loop, the limit
 * helpers), so the test runner's frames below them are left out too.
 */
export function callerFrames(traceback: Traceback): Traceback {
  const frames = traceback.toArray();
  let start = 0;
  frames.forEach((frame, i) => {
    if (isOwnFile(frame.filename)) start = i + 1;
  });
  return start === 0 || start >= frames.length ? traceback : new Traceback(frames.slice(start));
}

/**
 * Indented lines for call stacks (statistics grouped by `'traceback'`):
 * each stack's size and count, then its frames most recent first, as
 * `File "app.js", line 12, in getData` with the source line when readable.
 *
 * @example
 * formatStacks(snapshot.statistics('traceback').slice(0, 3))
 * @throws never
 */
export function formatStacks(stats: readonly Statistic[], indent = '  '): string {
  if (stats.length === 0) return `${indent}(no allocation recorded)`;
  const lines: string[] = [];
  for (const stat of stats) {
    const size = formatSize(Math.round(stat.size));
    const count = Math.round(stat.count);
    lines.push(`${indent}${size} in ${count} ${count === 1 ? 'object' : 'objects'}, allocated at:`);
    for (const line of callerFrames(stat.traceback).format(undefined, true)) lines.push(`${indent}${line}`);
  }
  return lines.join('\n');
}
