// The byte layout of a dump, in one place so that the writer, the reader and
// the table in docs/formats.md cannot drift apart. Everything is little-endian.
//
// File = header (36 bytes, never compressed) + body (the payload, deflated).
//
//   offset  size  field
//   0       8     magic "NTMALLOC"
//   8       2     format version (uint16)
//   10      2     flags (uint16): bit 0 = body is zlib-deflated; other bits are
//                 features of a later writer, refused as 'future-version'
//   12      8     payload length, uncompressed (uint64)
//   20      8     body length, as stored (uint64)
//   28      4     CRC-32 of the uncompressed payload
//   32      4     CRC-32 of bytes 0..31 (so a damaged length reads as 'corrupt', not 'truncated')
//
// Payload = 56-byte info block (40 bytes in version 1), then the interned
// tables as column blobs:
//
//   0   u32 tracebackLimit   4   f64 interval   12  f64 timestamp
//   20  u32 strings   24  u32 string data bytes   28  u32 frames   32  u32 stacks   36  u32 samples
//   40  f64 session (the tracing session, 0 unknown; see SnapshotInfo.session)
//   48  u8 view (0 live, 1 allocated, 2 peak)   49  u8 inlining (0 unknown, 1 on, 2 off)
//   50  6 bytes reserved, zero
//   (40-55: version 2 on; version 1 reads as session 0, view 'live', inlining unknown)
//   string lengths  u32 × strings (bit 31 set: the string is UTF-16LE, see payload.ts)
//   string data     the strings' bytes, back to back
//   frame data      frameName u32, frameFile u32, frameLine i32, frameColumn i32,
//                   frameScriptId i32, frameStart i32 (each a whole column)
//   stack data      stackFrame u32, stackParent i32
//   sample data     sampleStack u32, sampleSize f64, sampleCount f64, sampleId f64, sampleDomain u32
import type { ProfileTable } from '../table';
import { SNAPSHOT_VIEWS } from '../views';

export const MAGIC = Buffer.from('NTMALLOC', 'latin1');
/**
 * Bumped on any change an older reader would misread; readers refuse newer
 * versions and read every older one. 2: the info block holds the session,
 * the view and whether V8 inlined.
 */
export const FORMAT_VERSION = 2;
export const FLAG_ZLIB = 0x0001;
export const KNOWN_FLAGS = FLAG_ZLIB;

export const HEADER_SIZE = 36;
export const H_VERSION = 8;
export const H_FLAGS = 10;
export const H_PAYLOAD_LENGTH = 12;
export const H_BODY_LENGTH = 20;
export const H_PAYLOAD_CRC = 28;
export const H_HEADER_CRC = 32;

/** The info block of the current version. */
export const INFO_SIZE = 56;
/** The info block of version 1 files, which had no session, view or inlining. */
export const INFO_SIZE_V1 = 40;
export const I_TRACEBACK_LIMIT = 0;
export const I_INTERVAL = 4;
export const I_TIMESTAMP = 12;
export const I_STRINGS = 20;
export const I_STRING_BYTES = 24;
export const I_FRAMES = 28;
export const I_STACKS = 32;
export const I_SAMPLES = 36;
export const I_SESSION = 40;
export const I_VIEW = 48;
export const I_INLINING = 49;
export const I_RESERVED = 50;

/** The view byte's values, by index. */
export const VIEW_CODES = SNAPSHOT_VIEWS;

/** Bytes of the info block in a file of `version`. */
export function infoSize(version: number): number {
  return version === 1 ? INFO_SIZE_V1 : INFO_SIZE;
}

/** Bit 31 of a string length: the string is stored as UTF-16LE. */
export const UTF16_BIT = 0x80000000;
export const MAX_STRING_BYTES = 0x7fffffff;

/**
 * The largest file, and the largest payload, a reader loads: 2 GiB. Past it
 * fs.readSync needs several calls, zlib and Buffers hit their limits on some
 * supported Nodes, and no real snapshot comes near (1M traces dump to ~20 MB).
 */
export const MAX_DUMP_BYTES = 2 ** 31;

/** deflate cannot expand more than 1032:1 (zlib's FAQ): a larger claim is a lie, refused before inflating. */
export const MAX_DEFLATE_RATIO = 1032;

export type ColumnName = Exclude<keyof ProfileTable, 'strings'>;
export type ColumnKind = 'u32' | 'i32' | 'f64';
export type RowKind = 'frames' | 'stacks' | 'samples';

export interface ColumnSpec {
  readonly name: ColumnName;
  readonly kind: ColumnKind;
  readonly rows: RowKind;
}

/** The columns in file order. */
export const COLUMNS: readonly ColumnSpec[] = [
  { name: 'frameName', kind: 'u32', rows: 'frames' },
  { name: 'frameFile', kind: 'u32', rows: 'frames' },
  { name: 'frameLine', kind: 'i32', rows: 'frames' },
  { name: 'frameColumn', kind: 'i32', rows: 'frames' },
  { name: 'frameScriptId', kind: 'i32', rows: 'frames' },
  { name: 'frameStart', kind: 'i32', rows: 'frames' },
  { name: 'stackFrame', kind: 'u32', rows: 'stacks' },
  { name: 'stackParent', kind: 'i32', rows: 'stacks' },
  { name: 'sampleStack', kind: 'u32', rows: 'samples' },
  { name: 'sampleSize', kind: 'f64', rows: 'samples' },
  { name: 'sampleCount', kind: 'f64', rows: 'samples' },
  { name: 'sampleId', kind: 'f64', rows: 'samples' },
  { name: 'sampleDomain', kind: 'u32', rows: 'samples' },
];

export const KIND_BYTES: Readonly<Record<ColumnKind, number>> = { u32: 4, i32: 4, f64: 8 };

/** Bytes per row of each table (the sum of its columns' widths). */
export function rowBytes(rows: RowKind): number {
  let bytes = 0;
  for (const c of COLUMNS) if (c.rows === rows) bytes += KIND_BYTES[c.kind];
  return bytes;
}
