// Snapshot dumps: a versioned, checksummed, deflated binary file (`.ntm`)
// holding a snapshot's interned tables. Pure TS, no addon: a dump taken on a
// production box loads, diffs and exports on a laptop where the addon was
// never built. The layout is in dump/layout.ts, the work in dump/codec.ts;
// this file is the public face.
import {
  decodeContents,
  dumpContents,
  encodeContents,
  loadContents,
  type DumpableSnapshot,
  type DumpOptions,
} from './dump/codec';
import { Snapshot } from './snapshot';

export { DumpFormatError, type DumpFormatReason } from './dump/error';
export { FORMAT_VERSION as DUMP_FORMAT_VERSION } from './dump/layout';
export type { DumpableSnapshot, DumpOptions } from './dump/codec';

/**
 * Serialises a snapshot to the dump format, in memory: the bytes
 * {@link dumpSnapshot} writes. Lossless: {@link decodeSnapshot} gives back
 * every column byte for byte, every string and the info fields.
 *
 * @example
 * const bytes = encodeSnapshot(tracemalloc.takeSnapshot());
 * socket.write(bytes);
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `snapshot` is not a snapshot;
 *   `ERR_INVALID_ARG_VALUE` when its table is inconsistent (an index out of
 *   range, a cycle of stacks, a NaN size): such a dump could not be loaded
 * @throws {RangeError} a bad `level`; a table past the format's limits (a string over 2 GiB,
 *   4 GiB of strings, a payload larger than a Buffer can be)
 */
export function encodeSnapshot(snapshot: DumpableSnapshot, options?: DumpOptions): Buffer {
  return encodeContents(snapshot, options);
}

/**
 * Reads a snapshot from bytes made by {@link encodeSnapshot} (or read from a
 * dump file). Everything is checked before use: a damaged or hostile buffer
 * throws, it never yields a partial snapshot, and nothing is allocated beyond
 * what its own length can hold.
 *
 * @param sourceName what error messages call the buffer (default `<buffer>`)
 * @example
 * const snapshot = decodeSnapshot(await fs.promises.readFile('heap.ntm'), 'heap.ntm');
 * @throws {DumpFormatError} `not-a-dump`, `future-version`, `truncated` or `corrupt`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `bytes` is not a Uint8Array
 */
export function decodeSnapshot(bytes: Uint8Array, sourceName?: string): Snapshot {
  const { table, info } = decodeContents(bytes, sourceName);
  return new Snapshot(table, info);
}

/**
 * Writes a snapshot to `file` (by convention `*.ntm`), atomically: the bytes
 * go to a temporary file in the same directory, are flushed to disk, then
 * renamed over `file`. A crash mid-dump leaves the old file (or none), never
 * half a dump; at worst a stray `.<name>.<pid>-<random>.tmp` beside it.
 *
 * @example
 * dumpSnapshot(tracemalloc.takeSnapshot({ gc: false }), `/var/tmp/heap-${process.pid}.ntm`);
 * @throws {TypeError} as {@link encodeSnapshot}; `ERR_INVALID_ARG_TYPE` when `file` is neither a string nor a URL
 * @throws {RangeError} a bad `level`
 * @throws {Error} Node's own I/O errors (`ENOENT` for a missing directory, `EACCES`, `ENOSPC`, ...)
 */
export function dumpSnapshot(snapshot: DumpableSnapshot, file: string | URL, options?: DumpOptions): void {
  dumpContents(snapshot, file, options);
}

/**
 * Reads a snapshot written by {@link dumpSnapshot}. Needs no native addon.
 * The header is read and checked first, so a foreign or huge file is refused
 * without reading it whole; a 1-million-trace dump loads in about 0.1 s.
 *
 * @example
 * const before = loadSnapshot('before.ntm');
 * const after = loadSnapshot('after.ntm');
 * @throws {DumpFormatError} `not-a-dump`, `future-version`, `truncated` or `corrupt`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `file` is neither a string nor a URL
 * @throws {Error} Node's own I/O errors (`ENOENT`, `EACCES`, `EISDIR`, ...)
 */
export function loadSnapshot(file: string | URL): Snapshot {
  const { table, info } = loadContents(file);
  return new Snapshot(table, info);
}
