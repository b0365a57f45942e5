// A tiny linecache: source lines for Traceback.format, read once per file.
import * as fs from 'node:fs';

const cache = new Map<string, string[] | null>();
/** Files larger than this are not read for source lines. */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/** Line `lineno` (1-based) of `filename`, trimmed, or '' when it cannot be read. */
export function sourceLine(filename: string, lineno: number): string {
  if (lineno < 1) return '';
  let lines = cache.get(filename);
  if (lines === undefined) {
    lines = null;
    try {
      const stat = fs.statSync(filename);
      if (stat.isFile() && stat.size <= MAX_SOURCE_BYTES) {
        lines = fs.readFileSync(filename, 'utf8').split(/\r?\n/);
      }
    } catch {
      // Unreadable, gone, or not a path (node:internal/..., a pseudo frame).
    }
    cache.set(filename, lines);
  }
  return lines?.[lineno - 1]?.trim() ?? '';
}

/** Forgets cached sources (for files that changed on disk). */
export function clearSourceCache(): void {
  cache.clear();
}
