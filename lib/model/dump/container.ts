// The container around the payload: header, deflate, checksums. Errors about
// the file as a whole (foreign, newer, cut short, damaged) are found here,
// before the payload is inflated or parsed.
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { DumpFormatError, type DumpFormatReason } from './error';
import * as L from './layout';

/** The header's fields, once checked. */
export interface DumpHeader {
  /** Format version, 1 to {@link L.FORMAT_VERSION}: the payload's info block depends on it. */
  version: number;
  flags: number;
  payloadLength: number;
  bodyLength: number;
  payloadCrc: number;
}

/** The zlib level dumps use unless told otherwise: fastest, about 10% larger than 6 and 3–4× quicker. */
export const DEFAULT_LEVEL = 1;

/**
 * Wraps an uncompressed payload in a header, deflated unless `level` is
 * `null` (stored as is, for tests that need a valid checksum over bytes they
 * chose).
 */
export function wrapPayload(payload: Uint8Array, level: number | null = DEFAULT_LEVEL): Buffer {
  const body = level === null ? payload : zlib.deflateSync(payload, { level });
  const header = Buffer.alloc(L.HEADER_SIZE);
  L.MAGIC.copy(header, 0);
  header.writeUInt16LE(L.FORMAT_VERSION, L.H_VERSION);
  header.writeUInt16LE(level === null ? 0 : L.FLAG_ZLIB, L.H_FLAGS);
  writeUInt64(header, payload.length, L.H_PAYLOAD_LENGTH);
  writeUInt64(header, body.length, L.H_BODY_LENGTH);
  header.writeUInt32LE(zlib.crc32(payload), L.H_PAYLOAD_CRC);
  header.writeUInt32LE(zlib.crc32(header.subarray(0, L.H_HEADER_CRC)), L.H_HEADER_CRC);
  return Buffer.concat([header, body]);
}

function writeUInt64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32LE(value % 0x100000000, offset);
  buf.writeUInt32LE(Math.floor(value / 0x100000000), offset + 4);
}

/** A uint64 as a number: exact up to 2^53, and past that far beyond any buffer anyway. */
function readUInt64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4) * 0x100000000 + buf.readUInt32LE(offset);
}

/** The detail of a `too-large` file. */
export function tooLarge(fileLength: number): string {
  return `the file is ${fileLength} bytes, over the ${L.MAX_DUMP_BYTES}-byte (2 GiB) limit of this reader`;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Checks the header of a file of `fileLength` bytes whose first bytes are
 * `head` (the whole file or at least its first {@link L.HEADER_SIZE} bytes).
 *
 * @throws {DumpFormatError} any reason but the payload's own problems
 */
export function parseHeader(head: Buffer, fileLength: number, file: string): DumpHeader {
  const fail = (reason: DumpFormatReason, detail: string): never => {
    throw new DumpFormatError(file, reason, detail);
  };
  if (fileLength > L.MAX_DUMP_BYTES) fail('too-large', tooLarge(fileLength));
  const magicBytes = Math.min(head.length, L.MAGIC.length);
  if (!head.subarray(0, magicBytes).equals(L.MAGIC.subarray(0, magicBytes))) {
    fail('not-a-dump', `does not start with "NTMALLOC" (starts with ${hex(head.subarray(0, 8))})`);
  }
  if (head.length < L.H_FLAGS) fail('truncated', `expected a ${L.HEADER_SIZE}-byte header, found ${head.length} bytes`);
  // The version before anything else: a later version may lay its header out differently.
  const version = head.readUInt16LE(L.H_VERSION);
  if (version > L.FORMAT_VERSION) {
    const reads = `this node-tracemalloc reads (${L.FORMAT_VERSION})`;
    fail('future-version', `format version ${version} is newer than ${reads}: upgrade it to load this file`);
  }
  if (version === 0) fail('corrupt', 'format version 0 does not exist');
  if (head.length < L.HEADER_SIZE) {
    fail('truncated', `expected a ${L.HEADER_SIZE}-byte header, found ${head.length} bytes`);
  }
  const headerCrc = zlib.crc32(head.subarray(0, L.H_HEADER_CRC));
  if (headerCrc !== head.readUInt32LE(L.H_HEADER_CRC)) fail('corrupt', 'header checksum mismatch');
  const flags = head.readUInt16LE(L.H_FLAGS);
  if ((flags & ~L.KNOWN_FLAGS) !== 0) {
    const unknown = `flags 0x${flags.toString(16)}`;
    fail(
      'future-version',
      `uses features this node-tracemalloc does not know (${unknown}): upgrade it to load this file`,
    );
  }
  const payloadLength = readUInt64(head, L.H_PAYLOAD_LENGTH);
  const bodyLength = readUInt64(head, L.H_BODY_LENGTH);
  const found = fileLength - L.HEADER_SIZE;
  if (found < bodyLength) {
    fail('truncated', `expected ${bodyLength} bytes of compressed payload, found ${found}`);
  }
  if (found > bodyLength) fail('corrupt', `${found - bodyLength} bytes of trailing data after the payload`);
  // Bound what inflating may allocate by what this file can really hold.
  const compressed = (flags & L.FLAG_ZLIB) !== 0;
  const maxPayload = compressed ? bodyLength * L.MAX_DEFLATE_RATIO + 1024 : bodyLength;
  if (payloadLength > maxPayload || payloadLength > bufferConstants.MAX_LENGTH) {
    fail('corrupt', `declares a ${payloadLength}-byte payload, more than ${bodyLength} stored bytes can hold`);
  }
  if (payloadLength > L.MAX_DUMP_BYTES) {
    fail(
      'too-large',
      `declares a ${payloadLength}-byte payload, over the ${L.MAX_DUMP_BYTES}-byte (2 GiB) limit of this reader`,
    );
  }
  if (!compressed && payloadLength !== bodyLength) {
    fail('corrupt', `declares a ${payloadLength}-byte payload but stores ${bodyLength} bytes uncompressed`);
  }
  const infoSize = L.infoSize(version);
  if (payloadLength < infoSize) {
    fail('corrupt', `declares a ${payloadLength}-byte payload, less than its ${infoSize}-byte info block`);
  }
  return { version, flags, payloadLength, bodyLength, payloadCrc: head.readUInt32LE(L.H_PAYLOAD_CRC) };
}

interface InflateResult {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

/**
 * The payload of a body whose header was checked, inflated and checksummed.
 *
 * @throws {DumpFormatError} `corrupt`
 */
export function openBody(header: DumpHeader, body: Buffer, file: string): Buffer {
  let payload = body;
  if ((header.flags & L.FLAG_ZLIB) !== 0) {
    let result: InflateResult;
    try {
      // maxOutputLength: a lying stream stops at the declared size instead of growing.
      // info: the engine says how much input was used, to catch bytes after the stream.
      const options = { maxOutputLength: header.payloadLength, info: true };
      result = zlib.inflateSync(body, options) as unknown as InflateResult;
    } catch (error) {
      const detail =
        (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
          ? `the payload inflates past its declared ${header.payloadLength} bytes`
          : `cannot inflate the payload (${(error as Error).message})`;
      throw new DumpFormatError(file, 'corrupt', detail, { cause: error });
    }
    if (result.engine.bytesWritten !== body.length) {
      const extra = body.length - result.engine.bytesWritten;
      throw new DumpFormatError(file, 'corrupt', `${extra} bytes after the end of the compressed stream`);
    }
    payload = result.buffer;
  }
  if (payload.length !== header.payloadLength) {
    const detail = `the payload inflates to ${payload.length} bytes, not the declared ${header.payloadLength}`;
    throw new DumpFormatError(file, 'corrupt', detail);
  }
  const actual = zlib.crc32(payload);
  if (actual !== header.payloadCrc) {
    const detail = `payload checksum mismatch (CRC-32 ${hex32(actual)}, header says ${hex32(header.payloadCrc)})`;
    throw new DumpFormatError(file, 'corrupt', detail);
  }
  return payload;
}

/**
 * The checked, uncompressed payload of a whole dump file, and its format version.
 *
 * @throws {DumpFormatError} any reason
 */
export function unwrapPayload(file: Buffer, name: string): { payload: Buffer; version: number } {
  const header = parseHeader(file.subarray(0, L.HEADER_SIZE), file.length, name);
  return { payload: openBody(header, file.subarray(L.HEADER_SIZE), name), version: header.version };
}
