import { escapeControlChars } from '../../helpers/control-chars';

/**
 * Why a file could not be loaded as a snapshot dump:
 * - `not-a-dump`: it does not start with the `NTMALLOC` magic (another kind of file);
 * - `future-version`: a newer node-tracemalloc wrote it (format version or feature flags unknown here);
 * - `truncated`: it ends before the data its header or counts declare;
 * - `corrupt`: a checksum, the compressed stream, a count or an index is wrong;
 * - `too-large`: past what this reader loads (a file or payload over 2 GiB,
 *   a string longer than V8's longest).
 *
 * What is not a regular file (a directory aside: `EISDIR`) is `not-a-dump`.
 */
export type DumpFormatReason = 'not-a-dump' | 'future-version' | 'truncated' | 'corrupt' | 'too-large';

/**
 * A file (or buffer) that is not a loadable snapshot dump. The message names
 * the file and the problem:
 * `node-tracemalloc dump /x/y.ntm: truncated: expected 4096 bytes of sample data, found 100`.
 *
 * I/O errors (`ENOENT`, `EACCES`, ...) are never wrapped: they stay Node's own.
 *
 * @example
 * try {
 *   loadSnapshot('heap.ntm');
 * } catch (e) {
 *   if (e instanceof DumpFormatError && e.reason === 'future-version') console.error('upgrade node-tracemalloc');
 *   else throw e;
 * }
 */
export class DumpFormatError extends Error {
  /** Always `ERR_TRACEMALLOC_BAD_DUMP`. */
  readonly code = 'ERR_TRACEMALLOC_BAD_DUMP' as const;
  /** The path loaded, or the `sourceName` given to `decodeSnapshot` (`<buffer>` when none). */
  readonly file: string;
  /** What is wrong: see {@link DumpFormatReason}. */
  readonly reason: DumpFormatReason;

  constructor(file: string, reason: DumpFormatReason, detail: string, options?: { cause?: unknown }) {
    // The path escaped in the message (it reaches terminals), exact in `file`.
    super(`node-tracemalloc dump ${escapeControlChars(file)}: ${reason}: ${detail}`, options);
    this.name = 'DumpFormatError';
    this.file = file;
    this.reason = reason;
  }
}
