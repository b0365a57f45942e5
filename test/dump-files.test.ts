// Loading what is not an ordinary dump file: devices that never end, a FIFO
// that nobody writes (it would block forever), files past the 2 GiB limit.
// Each load runs in a child process with a deadline, so a hang or a runaway
// read fails the test instead of taking jest down.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeSnapshot, loadSnapshot } from '../lib/model/dump';
import * as L from '../lib/model/dump/layout';
import { Snapshot } from '../lib/model/snapshot';
import { repoRoot } from './helpers/child';
import { cli, tempDir } from './helpers/cli';

const posix = process.platform !== 'win32';
const posixTest = posix ? test : test.skip;

interface LoadOutcome {
  name?: string;
  code?: string;
  reason?: string;
  message?: string;
  loaded?: boolean;
}

/**
 * `Snapshot.load(file)` in a child node with a 20 s deadline and a 256 MB
 * heap: what it threw, or `timedOut`/`signal` when it hung or blew up.
 */
function loadInChild(file: string): {
  outcome?: LoadOutcome;
  timedOut: boolean;
  signal: string | null;
  stderr: string;
} {
  const script = `
    const { Snapshot } = require(${JSON.stringify(path.join(repoRoot, 'dist'))});
    let out;
    try { Snapshot.load(process.argv[1]); out = { loaded: true }; }
    catch (e) { out = { name: e.name, code: e.code, reason: e.reason, message: e.message }; }
    process.stdout.write(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', script, file], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const timedOut = (result.error as { code?: unknown } | undefined)?.code === 'ETIMEDOUT';
  const outcome = result.status === 0 && result.stdout !== '' ? (JSON.parse(result.stdout) as LoadOutcome) : undefined;
  return { outcome, timedOut, signal: result.signal, stderr: result.stderr };
}

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('dump-files');
});
afterAll(() => tmp.remove());

describe('what is not a regular file is refused, without reading it', () => {
  posixTest.each(['/dev/zero', '/dev/urandom', '/dev/null'])('%s: not-a-dump, a character device', (device) => {
    const run = loadInChild(device);
    expect({ timedOut: run.timedOut, signal: run.signal }).toEqual({ timedOut: false, signal: null });
    expect(run.outcome).toEqual({
      name: 'DumpFormatError',
      code: 'ERR_TRACEMALLOC_BAD_DUMP',
      reason: 'not-a-dump',
      message: `node-tracemalloc dump ${device}: not-a-dump: is a character device, not a regular file`,
    });
  });

  posixTest('a FIFO with no writer: refused at once, not waited on', () => {
    const fifo = path.join(tmp.dir, 'pipe.ntm');
    execFileSync('mkfifo', [fifo]);
    const run = loadInChild(fifo);
    expect({ timedOut: run.timedOut, signal: run.signal }).toEqual({ timedOut: false, signal: null });
    expect(run.outcome).toMatchObject({
      reason: 'not-a-dump',
      message: expect.stringMatching(/: is a FIFO, not a regular file$/),
    });
  });

  posixTest('a symlink to a device is the device', () => {
    const link = path.join(tmp.dir, 'zero.ntm');
    fs.symlinkSync('/dev/zero', link);
    expect(loadInChild(link).outcome).toMatchObject({ reason: 'not-a-dump' });
  });

  test("a directory is still Node's EISDIR", () => {
    expect(() => loadSnapshot(tmp.dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  posixTest('tracemalloc top /dev/zero exits 3 with one line', () => {
    const result = cli(['top', '/dev/zero']);
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(
      'tracemalloc top: /dev/zero is not a readable dump (not-a-dump): is a character device, not a regular file\n',
    );
  });
});

/** A dump's 36-byte header declaring these lengths (checksum valid). */
function header(payloadLength: number, bodyLength: number, flags = L.FLAG_ZLIB): Buffer {
  const h = Buffer.alloc(L.HEADER_SIZE);
  L.MAGIC.copy(h, 0);
  h.writeUInt16LE(L.FORMAT_VERSION, L.H_VERSION);
  h.writeUInt16LE(flags, L.H_FLAGS);
  const u64 = (value: number, at: number): void => {
    h.writeUInt32LE(value % 2 ** 32, at);
    h.writeUInt32LE(Math.floor(value / 2 ** 32), at + 4);
  };
  u64(payloadLength, L.H_PAYLOAD_LENGTH);
  u64(bodyLength, L.H_BODY_LENGTH);
  h.writeUInt32LE(zlib.crc32(h.subarray(0, L.H_HEADER_CRC)), L.H_HEADER_CRC);
  return h;
}

describe('the 2 GiB limit', () => {
  test('a file over 2 GiB: too-large, before anything is read (a sparse file: no disk used)', () => {
    const file = path.join(tmp.dir, 'huge.ntm');
    const size = 2 ** 31 + 1;
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, header(size - L.HEADER_SIZE, size - L.HEADER_SIZE, 0));
      fs.ftruncateSync(fd, size);
    } finally {
      fs.closeSync(fd);
    }
    const run = loadInChild(file);
    expect(run.outcome).toEqual({
      name: 'DumpFormatError',
      code: 'ERR_TRACEMALLOC_BAD_DUMP',
      reason: 'too-large',
      message: `node-tracemalloc dump ${file}: too-large: the file is ${size} bytes, over the 2147483648-byte (2 GiB) limit of this reader`,
    });
    // The CLI: exit 3 and one line, not a stack trace.
    const result = cli(['top', file]);
    expect(result.status).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      `tracemalloc top: ${file} is not a readable dump (too-large): the file is ${size} bytes, over the 2147483648-byte (2 GiB) limit of this reader`,
    ]);
  });

  test('a payload declared over 2 GiB: too-large, before inflating', () => {
    // deflate can expand 1032:1, so 2.1 MB of body may declare 2 GiB + 8.
    const body = Buffer.alloc(2_100_000, 1);
    const bytes = Buffer.concat([header(2 ** 31 + 8, body.length), body]);
    const file = path.join(tmp.dir, 'big-payload.ntm');
    fs.writeFileSync(file, bytes);
    expect(() => loadSnapshot(file)).toThrow(
      expect.objectContaining({
        reason: 'too-large',
        message: expect.stringContaining('declares a 2147483656-byte payload, over the 2147483648-byte (2 GiB) limit'),
      }),
    );
  });

  test('an ordinary dump still loads', () => {
    const file = path.join(tmp.dir, 'ok.ntm');
    fs.writeFileSync(file, encodeSnapshot(Snapshot.fromTraces([{ domain: 0, size: 8, frames: [] }], 1)));
    expect(loadSnapshot(file).totalSize).toBe(8);
  });
});
