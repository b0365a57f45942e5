// The payload: snapshot info and the interned tables as little-endian column
// blobs (see layout.ts). Columns, not rows: each column compresses on its own
// terms (sample ids climb, sizes repeat), and reading one is a memcpy.
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { errorCode } from '../../helpers/errors';
import type { SnapshotInfo } from '../snapshot';
import type { ProfileTable } from '../table';
import { contentProblem } from './check';
import { DumpFormatError } from './error';
import * as L from './layout';
import { isSnapshotView } from '../views';

/** A snapshot's info as a dump stores it: every field, `inlining` undefined when unknown. */
export type DumpInfo = Required<Omit<SnapshotInfo, 'inlining'>> & { inlining: boolean | undefined };

/** What a payload holds: the table and the info `new Snapshot(table, info)` takes. */
export interface DumpContents {
  table: ProfileTable;
  info: DumpInfo;
}

type Column = Uint32Array | Int32Array | Float64Array;

const { MAX_STRING_LENGTH } = bufferConstants;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `portable`: convert columns element by element through a DataView, as a
 * big-endian host must, instead of copying their bytes. Only tests set it on
 * a little-endian host, to run the path s390x would take.
 */
export interface ColumnCodec {
  portable?: boolean;
}

// A string V8 or a user may hand us but UTF-8 cannot carry (it would come back
// as U+FFFD): such strings are stored as UTF-16LE so the round trip is exact.
const LONE_SURROGATE = /\p{Cs}/u;

/** The first problem with the info block, or undefined. */
export function infoProblem(info: DumpInfo): string | undefined {
  const { tracebackLimit, interval, timestamp, session, view, inlining } = info;
  if (!Number.isInteger(tracebackLimit) || tracebackLimit < 0 || tracebackLimit > 0xffffffff) {
    return `tracebackLimit ${tracebackLimit} is not an integer in [0; 4294967295]`;
  }
  if (!Number.isSafeInteger(interval) || interval < 1) return `interval ${interval} is not an integer ≥ 1`;
  if (!Number.isFinite(timestamp)) return `timestamp ${timestamp} is not a finite number`;
  if (!Number.isSafeInteger(session) || session < 0) return `session ${session} is not a safe integer ≥ 0`;
  if (!isSnapshotView(view)) return `view ${String(view)} is not one of ${L.VIEW_CODES.join(', ')}`;
  if (inlining !== undefined && typeof inlining !== 'boolean') return `inlining ${String(inlining)} is not a boolean`;
  return undefined;
}

function rowCounts(table: ProfileTable): Record<L.RowKind, number> {
  return { frames: table.frameName.length, stacks: table.stackFrame.length, samples: table.sampleStack.length };
}

/** Serialises a table the caller has checked (shape and content). */
export function encodePayload(table: ProfileTable, info: DumpInfo, codec: ColumnCodec = {}): Buffer {
  const portable = codec.portable === true || !LITTLE_ENDIAN_HOST;
  const { strings } = table;
  const utf16 = new Uint8Array(strings.length);
  const lengths = new Uint32Array(strings.length);
  let stringBytes = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    utf16[i] = LONE_SURROGATE.test(s) ? 1 : 0;
    const bytes = utf16[i] ? s.length * 2 : Buffer.byteLength(s, 'utf8');
    if (bytes > L.MAX_STRING_BYTES) {
      throw new RangeError(`string ${i} is ${bytes} bytes, past the format's 2 GiB limit`);
    }
    lengths[i] = utf16[i] ? (bytes | L.UTF16_BIT) >>> 0 : bytes;
    stringBytes += bytes;
  }
  if (stringBytes > 0xffffffff) {
    throw new RangeError(`the strings take ${stringBytes} bytes, past the format's 4 GiB limit`);
  }
  const rows = rowCounts(table);
  const total =
    L.INFO_SIZE +
    4 * strings.length +
    stringBytes +
    rows.frames * L.rowBytes('frames') +
    rows.stacks * L.rowBytes('stacks') +
    rows.samples * L.rowBytes('samples');
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(info.tracebackLimit, L.I_TRACEBACK_LIMIT);
  out.writeDoubleLE(info.interval, L.I_INTERVAL);
  out.writeDoubleLE(info.timestamp, L.I_TIMESTAMP);
  out.writeUInt32LE(strings.length, L.I_STRINGS);
  out.writeUInt32LE(stringBytes, L.I_STRING_BYTES);
  out.writeUInt32LE(rows.frames, L.I_FRAMES);
  out.writeUInt32LE(rows.stacks, L.I_STACKS);
  out.writeUInt32LE(rows.samples, L.I_SAMPLES);
  out.writeDoubleLE(info.session, L.I_SESSION);
  out.writeUInt8(L.VIEW_CODES.indexOf(info.view), L.I_VIEW);
  out.writeUInt8(info.inlining === undefined ? 0 : info.inlining ? 1 : 2, L.I_INLINING);
  out.fill(0, L.I_RESERVED, L.INFO_SIZE);
  let offset = putColumn(out, L.INFO_SIZE, lengths, 'u32', portable);
  for (let i = 0; i < strings.length; i++) {
    offset += out.write(strings[i], offset, utf16[i] ? 'utf16le' : 'utf8');
  }
  for (const spec of L.COLUMNS) offset = putColumn(out, offset, table[spec.name], spec.kind, portable);
  if (offset !== total) throw new Error(`internal error: wrote ${offset} of ${total} payload bytes`);
  return out;
}

function putColumn(out: Buffer, offset: number, column: Column, kind: L.ColumnKind, portable: boolean): number {
  if (!portable) {
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
    return offset + column.byteLength;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, column.byteLength);
  for (let i = 0; i < column.length; i++) {
    if (kind === 'f64') view.setFloat64(i * 8, column[i], true);
    else if (kind === 'i32') view.setInt32(i * 4, column[i], true);
    else view.setUint32(i * 4, column[i], true);
  }
  return offset + column.byteLength;
}

function takeColumn(payload: Buffer, offset: number, kind: L.ColumnKind, length: number, portable: boolean): Column {
  const column =
    kind === 'f64' ? new Float64Array(length) : kind === 'i32' ? new Int32Array(length) : new Uint32Array(length);
  const bytes = column.byteLength;
  if (!portable) {
    // A copy, not a view of the payload: every column gets its own aligned
    // buffer, and the payload (strings and all) can be collected.
    new Uint8Array(column.buffer).set(payload.subarray(offset, offset + bytes));
    return column;
  }
  const view = new DataView(payload.buffer, payload.byteOffset + offset, bytes);
  for (let i = 0; i < length; i++) {
    if (kind === 'f64') column[i] = view.getFloat64(i * 8, true);
    else if (kind === 'i32') column[i] = view.getInt32(i * 4, true);
    else column[i] = view.getUint32(i * 4, true);
  }
  return column;
}

/**
 * Parses and checks a payload of format `version` (the current one unless
 * told). Every count is checked against the payload's actual length before
 * anything is allocated, so a lying count costs nothing.
 *
 * @throws {DumpFormatError} `truncated` or `corrupt`
 */
export function decodePayload(
  payload: Buffer,
  file: string,
  codec: ColumnCodec = {},
  version = L.FORMAT_VERSION,
): DumpContents {
  const portable = codec.portable === true || !LITTLE_ENDIAN_HOST;
  const corrupt = (detail: string): DumpFormatError => new DumpFormatError(file, 'corrupt', detail);
  const infoBytes = L.infoSize(version);
  if (payload.length < infoBytes) {
    const detail = `expected ${infoBytes} bytes of snapshot info, found ${payload.length}`;
    throw new DumpFormatError(file, 'truncated', detail);
  }
  const info: DumpInfo = {
    tracebackLimit: payload.readUInt32LE(L.I_TRACEBACK_LIMIT),
    interval: payload.readDoubleLE(L.I_INTERVAL),
    timestamp: payload.readDoubleLE(L.I_TIMESTAMP),
    // Version 1 had no session, view or inlining: unknown session, live, unknown.
    session: version === 1 ? 0 : payload.readDoubleLE(L.I_SESSION),
    view: 'live',
    inlining: undefined,
  };
  if (version !== 1) {
    const view = payload.readUInt8(L.I_VIEW);
    const inlining = payload.readUInt8(L.I_INLINING);
    if (view >= L.VIEW_CODES.length) throw corrupt(`view byte ${view} is not one of 0 (live), 1 (allocated), 2 (peak)`);
    if (inlining > 2) throw corrupt(`inlining byte ${inlining} is not one of 0 (unknown), 1 (on), 2 (off)`);
    if (payload.subarray(L.I_RESERVED, L.INFO_SIZE).some((b) => b !== 0)) {
      throw corrupt(`reserved info bytes ${L.I_RESERVED}-${L.INFO_SIZE - 1} are not zero`);
    }
    info.view = L.VIEW_CODES[view];
    info.inlining = inlining === 0 ? undefined : inlining === 1;
  }
  const problem = infoProblem(info);
  if (problem !== undefined) throw corrupt(problem);
  const stringCount = payload.readUInt32LE(L.I_STRINGS);
  const stringBytes = payload.readUInt32LE(L.I_STRING_BYTES);
  const rows: Record<L.RowKind, number> = {
    frames: payload.readUInt32LE(L.I_FRAMES),
    stacks: payload.readUInt32LE(L.I_STACKS),
    samples: payload.readUInt32LE(L.I_SAMPLES),
  };
  const sections: [string, number][] = [
    ['string lengths', 4 * stringCount],
    ['string data', stringBytes],
    ['frame data', rows.frames * L.rowBytes('frames')],
    ['stack data', rows.stacks * L.rowBytes('stacks')],
    ['sample data', rows.samples * L.rowBytes('samples')],
  ];
  let end = infoBytes;
  for (const [name, bytes] of sections) {
    const found = payload.length - end;
    if (found < bytes) {
      throw new DumpFormatError(file, 'truncated', `expected ${bytes} bytes of ${name}, found ${found}`);
    }
    end += bytes;
  }
  if (end !== payload.length) throw corrupt(`${payload.length - end} bytes of trailing data after the sample data`);

  const lengths = takeColumn(payload, infoBytes, 'u32', stringCount, portable);
  const stringsStart = infoBytes + 4 * stringCount;
  const stringsEnd = stringsStart + stringBytes;
  let offset = stringsStart;
  const strings = new Array<string>(stringCount);
  for (let i = 0; i < stringCount; i++) {
    const isUtf16 = (lengths[i] & L.UTF16_BIT) !== 0;
    const bytes = lengths[i] & L.MAX_STRING_BYTES;
    if (bytes > stringsEnd - offset) {
      throw corrupt(`string ${i} is ${bytes} bytes, past the ${stringBytes} bytes of string data`);
    }
    const next = offset + bytes;
    if (isUtf16 && bytes % 2 !== 0) throw corrupt(`string ${i} is UTF-16 with an odd length (${bytes} bytes)`);
    // toString would turn bad bytes into U+FFFD: a silently different string.
    if (!isUtf16 && !isUtf8(payload.subarray(offset, next))) throw corrupt(`string ${i} is not valid UTF-8`);
    try {
      strings[i] = payload.toString(isUtf16 ? 'utf16le' : 'utf8', offset, next);
    } catch (error) {
      if (errorCode(error) !== 'ERR_STRING_TOO_LONG') throw error;
      const detail = `string ${i} is ${bytes} bytes, longer than V8's longest string (${MAX_STRING_LENGTH} characters)`;
      throw new DumpFormatError(file, 'too-large', detail, { cause: error });
    }
    offset = next;
  }
  if (offset !== stringsEnd) {
    throw corrupt(`the string lengths add up to ${offset - stringsStart} bytes, not ${stringBytes}`);
  }

  const columns: Partial<Record<L.ColumnName, Column>> = {};
  for (const spec of L.COLUMNS) {
    const length = rows[spec.rows];
    columns[spec.name] = takeColumn(payload, offset, spec.kind, length, portable);
    offset += length * L.KIND_BYTES[spec.kind];
  }
  const table = { strings, ...columns } as ProfileTable;
  const tableProblem = contentProblem(table);
  if (tableProblem !== undefined) throw corrupt(tableProblem);
  return { table, info };
}
