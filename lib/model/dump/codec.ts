// Dumps without the Snapshot class: bytes and files to and from a table plus
// its info. Nothing here imports ../snapshot at run time, so snapshot.ts can
// build `snapshot.dump(path)` and `Snapshot.load(path)` on these functions
// without an import cycle; ../dump.ts wraps them for the public API.
import * as fs from 'node:fs';
import { argError } from '../../helpers/errors';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../helpers/atomic-write';
import { fileKind } from '../../helpers/output-path';
import type { Snapshot } from '../snapshot';
import * as check from '../../helpers/validate';
import { contentProblem, shapeProblem } from './check';
import { DEFAULT_LEVEL, openBody, parseHeader, tooLarge, unwrapPayload, wrapPayload } from './container';
import { DumpFormatError } from './error';
import { HEADER_SIZE, MAX_DUMP_BYTES } from './layout';
import { decodePayload, encodePayload, infoProblem, type DumpContents, type DumpInfo } from './payload';

export type { DumpContents } from './payload';

/** The snapshot fields a dump stores (any {@link Snapshot} has them). */
export type DumpableSnapshot = Pick<Snapshot, 'table' | 'tracebackLimit' | 'interval' | 'timestamp'> &
  Partial<Pick<Snapshot, 'session' | 'view' | 'inlining'>>;

/** Options of `encodeSnapshot` and `dumpSnapshot`. */
export interface DumpOptions {
  /**
   * zlib compression level, 0 (store) to 9 (smallest). Default 1: fastest,
   * about 10% larger than level 6 and 3–4× quicker to write, which is what
   * matters when dumping from a busy process.
   */
  level?: number;
}

function received(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function toPath(file: unknown, name: string): string {
  if (typeof file === 'string') return file;
  if (file instanceof URL) return fileURLToPath(file);
  throw argError('ERR_INVALID_ARG_TYPE', `Expected a string or file URL for ${name} but received ${received(file)}`);
}

/** The info block of a snapshot: every field a dump stores. */
export function dumpInfoOf(snapshot: DumpableSnapshot): DumpInfo {
  const { tracebackLimit, interval, timestamp, session, view, inlining } = snapshot;
  return { tracebackLimit, interval, timestamp, session: session ?? 0, view: view ?? 'live', inlining };
}

/** `encodeSnapshot` (see ../dump.ts): checks the snapshot and options, returns the file's bytes. */
export function encodeContents(snapshot: DumpableSnapshot, options?: DumpOptions): Buffer {
  const opts = check.options(options, 'options', ['level'] as const);
  const level = opts.level === undefined ? DEFAULT_LEVEL : check.integerInRange(opts.level, 'level', 0, 9);
  const table: unknown = typeof snapshot === 'object' && snapshot !== null ? snapshot.table : undefined;
  if (typeof table !== 'object' || table === null) {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a Snapshot for snapshot but received ${received(snapshot)}`);
  }
  const info = dumpInfoOf(snapshot);
  const problem = shapeProblem(snapshot.table) ?? infoProblem(info) ?? contentProblem(snapshot.table);
  if (problem !== undefined) throw argError('ERR_INVALID_ARG_VALUE', `snapshot cannot be dumped: ${problem}`);
  return wrapPayload(encodePayload(snapshot.table, info), level);
}

/** `decodeSnapshot` (see ../dump.ts) up to, not including, `new Snapshot(table, info)`. */
export function decodeContents(bytes: Uint8Array, sourceName = '<buffer>'): DumpContents {
  // The tag, not instanceof: a Buffer from another realm (vm, jest) is fine.
  if (!ArrayBuffer.isView(bytes) || bytes[Symbol.toStringTag] !== 'Uint8Array') {
    throw argError('ERR_INVALID_ARG_TYPE', `Expected a Buffer or Uint8Array for bytes but received ${received(bytes)}`);
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { payload, version } = unwrapPayload(buf, sourceName);
  return decodePayload(payload, sourceName, {}, version);
}

/** `dumpSnapshot` (see ../dump.ts): encodes, then writes atomically. */
export function dumpContents(snapshot: DumpableSnapshot, file: string | URL, options?: DumpOptions): void {
  const target = toPath(file, 'file');
  const data = encodeContents(snapshot, options);
  writeFileAtomic(target, data);
}

function readFully(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    // At most 1 GiB per call: fs.readSync refuses lengths of 2 GiB and more.
    const n = fs.readSync(fd, buf, done, Math.min(length - done, 2 ** 30), position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

// O_NONBLOCK: opening a FIFO with no writer would block forever. It changes
// nothing for regular files, and only regular files are read. (Windows has no
// such flag, nor FIFOs to block on.)
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * `loadSnapshot` (see ../dump.ts) up to, not including, `new Snapshot(table, info)`.
 * Only a regular file is read (a device or FIFO never ends, or blocks), and
 * only as many bytes as its size, checked first: the header is read and
 * checked before the body, so a foreign or huge file is refused without being
 * read whole.
 */
export function loadContents(file: string | URL): DumpContents {
  const target = toPath(file, 'file');
  const fd = fs.openSync(target, OPEN_FLAGS);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) {
      // Node's own EISDIR, as documented for a directory: a read says it.
      fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
    }
    if (!stat.isFile()) throw new DumpFormatError(target, 'not-a-dump', `is ${fileKind(stat)}, not a regular file`);
    if (stat.size > MAX_DUMP_BYTES) throw new DumpFormatError(target, 'too-large', tooLarge(stat.size));
    const header = parseHeader(readFully(fd, Math.min(HEADER_SIZE, stat.size), 0), stat.size, target);
    const body = readFully(fd, header.bodyLength, HEADER_SIZE);
    if (body.length < header.bodyLength) {
      // The file shrank between fstat and read.
      const detail = `expected ${header.bodyLength} bytes of compressed payload, found ${body.length}`;
      throw new DumpFormatError(target, 'truncated', detail);
    }
    return decodePayload(openBody(header, body, target), target, {}, header.version);
  } finally {
    fs.closeSync(fd);
  }
}
