// Snapshot dumps: lossless round trips, one test per error reason, atomic
// writes. The fuzzing (damaged files must load as a valid snapshot or throw
// DumpFormatError, never anything else) is in test/fuzz-dumps.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { DumpFormatError, decodeSnapshot, dumpSnapshot, encodeSnapshot, loadSnapshot } from '../lib/model/dump';
import { dumpInfoOf } from '../lib/model/dump/codec';
import { unwrapPayload, wrapPayload } from '../lib/model/dump/container';
import * as L from '../lib/model/dump/layout';
import { decodePayload, encodePayload } from '../lib/model/dump/payload';
import * as model from '../lib/entries/model';
import * as index from '../lib/index';
import { NO_STACK, Snapshot } from '../lib/model/snapshot';
import type { ProfileTable } from '../lib/model/table';
import * as tm from '../lib/tracer/tracemalloc';

// The scripts' seeded PRNG (scripts/lib/prng.js).
const { prng } = require('../scripts/lib/prng') as { prng: (seed: number) => () => number };

const COLUMN_NAMES = L.COLUMNS.map((c) => c.name);

function bytesOf(column: ArrayBufferView): Buffer {
  return Buffer.from(column.buffer, column.byteOffset, column.byteLength);
}

/** Every column the same type and byte for byte, every string and info field the same. */
function expectSameSnapshot(actual: Snapshot, expected: Snapshot): void {
  expect(actual).toBeInstanceOf(Snapshot);
  expect(actual.tracebackLimit).toBe(expected.tracebackLimit);
  expect(actual.interval).toBe(expected.interval);
  expect(actual.exact).toBe(expected.exact);
  expect(Object.is(actual.timestamp, expected.timestamp)).toBe(true);
  expect(actual.table.strings).toEqual(expected.table.strings);
  expect(actual.table.strings.every((s, i) => s === expected.table.strings[i])).toBe(true);
  for (const name of COLUMN_NAMES) {
    // The tag, not the constructor: the addon's arrays come from Node's realm, not jest's.
    expect(actual.table[name][Symbol.toStringTag]).toBe(expected.table[name][Symbol.toStringTag]);
    expect(bytesOf(actual.table[name]).equals(bytesOf(expected.table[name]))).toBe(true);
  }
  expect(Object.keys(actual.table).sort()).toEqual(Object.keys(expected.table).sort());
}

const TRACES = [
  { domain: 0, size: 64, frames: [{ filename: '/app/server.js', lineno: 12, functionName: 'getData', column: 3 }] },
  {
    domain: 0,
    size: 4096,
    count: 3,
    frames: [
      { filename: '/app/db.js', lineno: 40, functionName: 'query' },
      { filename: '/app/server.js', lineno: 12, functionName: 'getData', column: 3 },
    ],
  },
  { domain: 2, size: 24, frames: [] },
  // Strings UTF-8 cannot carry as is: a lone surrogate, a BOM, astral characters.
  {
    domain: 1,
    size: 0.5,
    count: 0.25,
    frames: [{ filename: 'file:///tmp/é/ü.mjs', lineno: 1, functionName: 'bad\ud800name' }],
  },
  {
    domain: 0,
    size: 8,
    frames: [
      { filename: '\ufeffbom.js', lineno: 0, functionName: '😀' },
      { filename: '', lineno: 0, functionName: '(V8 API)' },
    ],
  },
];

function sampleSnapshot(): Snapshot {
  return Snapshot.fromTraces(TRACES, 25, { interval: 512 * 1024 });
}

/** A hand-made table with extreme values (its parents first, as every table's). */
function extremeSnapshot(): Snapshot {
  const table: ProfileTable = {
    strings: ['a.js', 'f', 'g'],
    frameName: Uint32Array.of(1, 2),
    frameFile: Uint32Array.of(0, 0),
    frameLine: Int32Array.of(1, -5),
    frameColumn: Int32Array.of(2, 2147483647),
    frameScriptId: Int32Array.of(7, -1),
    frameStart: Int32Array.of(100, -2147483648),
    stackFrame: Uint32Array.of(1, 1, 0),
    stackParent: Int32Array.of(-1, 0, 1),
    sampleStack: Uint32Array.of(2, 0, NO_STACK, 1),
    sampleSize: Float64Array.of(1, 2, 3, -0),
    sampleCount: Float64Array.of(1, 1, 1, 1),
    sampleId: Float64Array.of(3, 9, 2 ** 53 - 1, 0),
    sampleDomain: Uint32Array.of(0, 1, 0xffffffff, 7),
  };
  return new Snapshot(table, { tracebackLimit: 65535, interval: 1, timestamp: 1712345678901.5 });
}

function emptySnapshot(): Snapshot {
  return Snapshot.fromTraces([], 1);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-dump-test-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('round trip', () => {
  test.each([
    ['fromTraces data', sampleSnapshot],
    ['extreme values', extremeSnapshot],
    ['an empty snapshot', emptySnapshot],
  ])('is lossless in memory: %s', (_name, make) => {
    const snapshot = make();
    expectSameSnapshot(decodeSnapshot(encodeSnapshot(snapshot)), snapshot);
  });

  test.each([
    ['live', undefined, 0],
    ['allocated', true, 2 ** 53 - 1],
    ['peak', false, 123456789],
  ] as const)('keeps the view (%s), whether V8 inlined (%s) and the session (%d)', (view, inlining, session) => {
    const info = { tracebackLimit: 3, interval: 1, timestamp: 5, session, view, inlining };
    const snapshot = new Snapshot(sampleSnapshot().table, info);
    const loaded = decodeSnapshot(encodeSnapshot(snapshot));
    expectSameSnapshot(loaded, snapshot);
    expect(loaded.view).toBe(view);
    expect(loaded.inlining).toBe(inlining);
    expect(loaded.session).toBe(session);
  });

  test('reads version 1 files (no session, view or inlining): session unknown, live, inlining unknown', () => {
    const snapshot = sampleSnapshot();
    // A version 1 payload is the version 2 one without bytes 40-55 of the info block.
    const v2 = encodePayload(snapshot.table, dumpInfoOf(snapshot));
    const v1 = Buffer.concat([v2.subarray(0, L.INFO_SIZE_V1), v2.subarray(L.INFO_SIZE)]);
    const file = editHeader(wrapPayload(v1), (h) => h.writeUInt16LE(1, L.H_VERSION));
    const loaded = decodeSnapshot(file);
    expectSameSnapshot(loaded, snapshot);
    expect(loaded.session).toBe(0);
    expect(loaded.view).toBe('live');
    expect(loaded.inlining).toBeUndefined();
  });

  test('keeps traces readable: the same tracebacks and totals', () => {
    const snapshot = sampleSnapshot();
    const loaded = decodeSnapshot(encodeSnapshot(snapshot));
    expect([...loaded.traces].map(String)).toEqual([...snapshot.traces].map(String));
    expect(loaded.traces.at(3)?.traceback.at(-1)?.functionName).toBe('bad\ud800name');
    expect(loaded.totalSize).toBe(snapshot.totalSize);
  });

  test('through a file, by path and by file URL, replacing an older dump', () => {
    const file = path.join(dir, 'round.ntm');
    dumpSnapshot(emptySnapshot(), file);
    dumpSnapshot(sampleSnapshot(), pathToFileURL(file));
    expectSameSnapshot(loadSnapshot(file), sampleSnapshot());
    expectSameSnapshot(loadSnapshot(pathToFileURL(file)), sampleSnapshot());
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('at every compression level; level 1 by default', () => {
    const snapshot = sampleSnapshot();
    for (let level = 0; level <= 9; level++) {
      expectSameSnapshot(decodeSnapshot(encodeSnapshot(snapshot, { level })), snapshot);
    }
    expect(encodeSnapshot(snapshot)).toEqual(encodeSnapshot(snapshot, { level: 1 }));
  });

  test('accepts a Uint8Array that is not a Buffer', () => {
    const bytes = encodeSnapshot(sampleSnapshot());
    const copy = new Uint8Array(new ArrayBuffer(bytes.length + 3), 3, bytes.length);
    copy.set(bytes);
    expectSameSnapshot(decodeSnapshot(copy), sampleSnapshot());
  });

  test('the element-by-element column path (big-endian hosts) writes and reads the same bytes', () => {
    for (const snapshot of [sampleSnapshot(), extremeSnapshot()]) {
      const info = dumpInfoOf(snapshot);
      const fast = encodePayload(snapshot.table, info);
      expect(encodePayload(snapshot.table, info, { portable: true }).equals(fast)).toBe(true);
      const decoded = decodePayload(fast, 'x', { portable: true });
      expectSameSnapshot(new Snapshot(decoded.table, decoded.info), snapshot);
    }
  });

  test('never loads the native addon (a dump must load where it was never built)', () => {
    jest.isolateModules(() => {
      jest.doMock('../lib/tracer/native', () => {
        throw new Error('lib/model/dump imported lib/tracer/native');
      });
      const isolated = jest.requireActual<typeof import('../lib/model/dump')>('../lib/model/dump');
      // Its own Snapshot class (a fresh module registry), so compare what it shows.
      const loaded = isolated.decodeSnapshot(encodeSnapshot(sampleSnapshot()));
      expect([...loaded.traces].map(String)).toEqual([...sampleSnapshot().traces].map(String));
    });
  });

  test('is exported from the package entry point', () => {
    expect(index.dumpSnapshot).toBe(dumpSnapshot);
    expect(index.loadSnapshot).toBe(loadSnapshot);
    expect(index.encodeSnapshot).toBe(encodeSnapshot);
    expect(index.decodeSnapshot).toBe(decodeSnapshot);
    expect(index.DumpFormatError).toBe(DumpFormatError);
    expect(model.DUMP_FORMAT_VERSION).toBe(2); // node-tracemalloc/model
  });
});

describe('a real V8 snapshot', () => {
  afterEach(() => {
    tm.stop();
  });

  test('round-trips byte for byte', () => {
    tm.start(16);
    const kept: { index: number; label: string }[] = [];
    for (let i = 0; i < 2000; i++) kept.push({ index: i, label: `item-${i}` });
    const snapshot = tm.takeSnapshot();
    expect(kept.length).toBe(2000);
    expect(snapshot.table.sampleStack.length).toBeGreaterThan(0);
    const file = path.join(dir, 'v8.ntm');
    dumpSnapshot(snapshot, file);
    const loaded = loadSnapshot(file);
    expectSameSnapshot(loaded, snapshot);
    expect(loaded.timestamp).toBeGreaterThan(0);
    // The session survives: diffs of dumps of one run know their shared samples.
    expect(snapshot.session).toBeGreaterThan(0);
    expect(loaded.session).toBe(snapshot.session);
    expect([...loaded.traces].map(String)).toEqual([...snapshot.traces].map(String));
  });
});

describe('format 1 (before the session)', () => {
  // test/fixtures/dump-v1.ntm was written by node-tracemalloc at commit
  // 4f5dfb5 (format 1, a 40-byte info block) from:
  //   Snapshot.fromTraces([
  //     { domain: 0, size: 40960, count: 1.5, frames: [split, parseLine, main] },
  //     { domain: 0, size: 8192, count: 128, frames: [parseLine, main] },
  //     { domain: 0, size: 1024, count: 16, frames: [split] },
  //   ], 2, { interval: 4096 })
  // with split = { filename: '', lineno: 0, functionName: 'split' } (no
  // script, as V8 gives builtins), parseLine at /app/parse.js:3, main at /app/main.js:1.
  const file = path.join(__dirname, 'fixtures', 'dump-v1.ntm');

  test('still loads, with an unknown session, as a live view, inlining unknown', () => {
    expect(fs.readFileSync(file).readUInt16LE(L.H_VERSION)).toBe(1);
    const snapshot = loadSnapshot(file);
    expect(snapshot.session).toBe(0);
    expect(snapshot.view).toBe('live');
    expect(snapshot.inlining).toBeUndefined();
    expect(snapshot.interval).toBe(4096);
    expect(snapshot.tracebackLimit).toBe(2);
    expect(snapshot.totalSize).toBe(40960 + 8192 + 1024);
    expect(decodeSnapshot(fs.readFileSync(file)).totalCount).toBe(1.5 + 128 + 16);
  });

  test('its builtin frames are charged to their scripted callers', () => {
    const stats = loadSnapshot(file).statistics('lineno');
    expect(stats.map((s) => [String(s.traceback), s.size])).toEqual([
      ['/app/parse.js:3', 40960 + 8192],
      ['<unknown>:0', 1024],
    ]);
    expect(stats[1].traceback.at(0)?.builtin).toBe(true);
  });

  test('written again, it is format 2', () => {
    const again = encodeSnapshot(loadSnapshot(file));
    expect(again.readUInt16LE(L.H_VERSION)).toBe(2);
    expectSameSnapshot(decodeSnapshot(again), loadSnapshot(file));
  });
});

describe('writing', () => {
  test('refuses what is not a snapshot, and tables it could not load back', () => {
    type Info = Partial<Pick<Snapshot, 'interval' | 'tracebackLimit' | 'timestamp'>>;
    const bad = (mutate: (t: ProfileTable) => void, info: Info = {}) => {
      const s = sampleSnapshot();
      const table = { ...s.table };
      mutate(table);
      return { table, tracebackLimit: s.tracebackLimit, interval: s.interval, timestamp: s.timestamp, ...info };
    };
    const invalid = (snapshot: Parameters<typeof encodeSnapshot>[0], detail: string) => {
      const message = `snapshot cannot be dumped: ${detail}`;
      expect(() => encodeSnapshot(snapshot)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message }),
      );
    };
    const typeError = (message?: string) =>
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', ...(message && { message }) });
    expect(() => encodeSnapshot(null as unknown as Snapshot)).toThrow(typeError());
    expect(() => dumpSnapshot(emptySnapshot(), 42 as unknown as string)).toThrow(
      typeError('Expected a string or file URL for file but received number'),
    );
    expect(() => decodeSnapshot('NTMALLOC' as unknown as Buffer)).toThrow(
      typeError('Expected a Buffer or Uint8Array for bytes but received string'),
    );
    invalid(
      bad(() => undefined, { tracebackLimit: -1 }),
      'tracebackLimit -1 is not an integer in [0; 4294967295]',
    );
    invalid(
      bad(() => undefined, { interval: 0 }),
      'interval 0 is not an integer ≥ 1',
    );
    invalid(
      bad((t) => (t.stackParent = t.stackParent.map((p, i) => (i === 0 ? 1 : p)))),
      "stack 0 has parent 1, not a row before it (a stack's parent comes first)",
    );
    invalid(
      bad((t) => (t.frameName = Uint32Array.of(0, 1, 99, 0, 0))),
      'frame 2 names string 99, past the 10 strings',
    );
    invalid(
      bad((t) => (t.sampleSize = new Float64Array(5).fill(NaN))),
      'sample 0 has size NaN, not a number in [0, 2^53]',
    );
    invalid(
      bad((t) => (t.sampleStack = new Uint32Array(4))),
      'table.sampleSize has 5 rows, its sibling columns 4',
    );
    invalid(
      bad((t) => (t.frameLine = new Float64Array(t.frameLine.length) as unknown as Int32Array)),
      'table.frameLine is not an Int32Array',
    );
    expect(() => encodeSnapshot(sampleSnapshot(), { level: 10 })).toThrow(RangeError);
    expect(() => encodeSnapshot(sampleSnapshot(), { lvl: 1 } as never)).toThrow(/Unknown option "lvl"/);
  });

  test('is atomic: a failed write leaves the old dump and no temporary file', () => {
    const file = path.join(dir, 'atomic.ntm');
    dumpSnapshot(emptySnapshot(), file);
    const before = fs.readFileSync(file);
    let calls = 0;
    // The module object itself: `import * as fs` gives a read-only namespace copy.
    const spy = jest.spyOn(jest.requireActual<typeof fs>('node:fs'), 'writeSync').mockImplementation(() => {
      calls++;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    try {
      expect(() => dumpSnapshot(sampleSnapshot(), file)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBe(1);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('reports I/O errors as Node does', () => {
    const missingDir = path.join(dir, 'no', 'such', 'dir.ntm');
    expect(() => dumpSnapshot(emptySnapshot(), missingDir)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => loadSnapshot(path.join(dir, 'missing.ntm'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => loadSnapshot(path.join(dir, 'missing.ntm'))).not.toThrow(DumpFormatError);
    expect(() => loadSnapshot(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  (process.platform === 'win32' ? test.skip : test)(
    'refuses a device without reading it (more in dump-files.test.ts)',
    () => {
      expect(() => loadSnapshot('/dev/null')).toThrow(
        expect.objectContaining({
          reason: 'not-a-dump',
          message: 'node-tracemalloc dump /dev/null: not-a-dump: is a character device, not a regular file',
        }),
      );
    },
  );
});

/** A file with a valid header CRC after `edit` changed header fields. */
function editHeader(file: Buffer, edit: (header: Buffer) => void): Buffer {
  const out = Buffer.from(file);
  edit(out);
  out.writeUInt32LE(zlib.crc32(out.subarray(0, L.H_HEADER_CRC)), L.H_HEADER_CRC);
  return out;
}

function loadError(bytes: Uint8Array, name = '/x/y.ntm'): DumpFormatError {
  const file = path.join(dir, 'bad.ntm');
  fs.writeFileSync(file, bytes);
  let fromFile: unknown;
  try {
    loadSnapshot(file);
  } catch (error) {
    fromFile = error;
  }
  let fromBuffer: unknown;
  try {
    decodeSnapshot(bytes, name);
  } catch (error) {
    fromBuffer = error;
  }
  // The file and buffer paths must agree on what is wrong.
  expect(fromFile).toBeInstanceOf(DumpFormatError);
  expect(fromBuffer).toBeInstanceOf(DumpFormatError);
  const a = fromFile as DumpFormatError;
  const b = fromBuffer as DumpFormatError;
  expect(a.file).toBe(file);
  expect(a.message).toBe(b.message.replace(name, file));
  expect(b.name).toBe('DumpFormatError');
  expect(b.code).toBe('ERR_TRACEMALLOC_BAD_DUMP');
  expect(b.file).toBe(name);
  return b;
}

function payloadOf(snapshot: Snapshot): Buffer {
  return encodePayload(snapshot.table, dumpInfoOf(snapshot));
}

describe('errors', () => {
  const good = encodeSnapshot(sampleSnapshot());

  test('not-a-dump: a foreign file', () => {
    const e = loadError(Buffer.from('{"nodes":[]}'));
    expect(e.reason).toBe('not-a-dump');
    expect(e.message).toBe(
      'node-tracemalloc dump /x/y.ntm: not-a-dump: does not start with "NTMALLOC" (starts with 7b 22 6e 6f 64 65 73 22)',
    );
    expect(loadError(zlib.gzipSync(good)).reason).toBe('not-a-dump');
  });

  test('future-version: a newer format version or feature flag', () => {
    const v3 = Buffer.from(good);
    v3.writeUInt16LE(3, L.H_VERSION);
    const e = loadError(v3);
    expect(e.reason).toBe('future-version');
    expect(e.message).toBe(
      'node-tracemalloc dump /x/y.ntm: future-version: format version 3 is newer than this node-tracemalloc reads (2): upgrade it to load this file',
    );
    const flagged = editHeader(good, (h) => h.writeUInt16LE(L.FLAG_ZLIB | 0x10, L.H_FLAGS));
    expect(loadError(flagged).message).toMatch(
      /future-version: uses features this node-tracemalloc does not know \(flags 0x11\)/,
    );
  });

  test('truncated: the header, the body, a table', () => {
    const header = (found: number) =>
      `node-tracemalloc dump /x/y.ntm: truncated: expected a 36-byte header, found ${found} bytes`;
    expect(loadError(Buffer.alloc(0)).message).toBe(header(0));
    expect(loadError(good.subarray(0, 4)).reason).toBe('truncated');
    expect(loadError(good.subarray(0, 20)).message).toBe(header(20));
    const body = good.length - L.HEADER_SIZE;
    expect(loadError(good.subarray(0, good.length - 7)).message).toBe(
      `node-tracemalloc dump /x/y.ntm: truncated: expected ${body} bytes of compressed payload, found ${body - 7}`,
    );
    // A payload whose counts promise 128 samples (4096 bytes) but holds 100 bytes of them.
    const payload = Buffer.concat([payloadOf(emptySnapshot()), Buffer.alloc(100)]);
    payload.writeUInt32LE(128, L.I_SAMPLES);
    const e = loadError(wrapPayload(payload));
    expect(e.reason).toBe('truncated');
    expect(e.message).toBe('node-tracemalloc dump /x/y.ntm: truncated: expected 4096 bytes of sample data, found 100');
  });

  describe('corrupt', () => {
    const corrupt = (bytes: Uint8Array, detail: string | RegExp) => {
      const e = loadError(bytes);
      expect(e.reason).toBe('corrupt');
      if (typeof detail === 'string') expect(e.message).toBe(`node-tracemalloc dump /x/y.ntm: corrupt: ${detail}`);
      else expect(e.message).toMatch(detail);
    };
    /** A valid file around the payload `edit` returns (a new buffer) or changed in place (anything else). */
    const withPayload = (edit: (payload: Buffer) => unknown, snapshot = sampleSnapshot()) => {
      const payload = payloadOf(snapshot);
      const edited = edit(payload);
      return wrapPayload(Buffer.isBuffer(edited) ? edited : payload);
    };
    const frames = sampleSnapshot().table.frameName.length;
    const strings = sampleSnapshot().table.strings.length;
    const stacks = sampleSnapshot().table.stackFrame.length;
    const stringsEnd = (p: Buffer) => L.INFO_SIZE + 4 * p.readUInt32LE(L.I_STRINGS) + p.readUInt32LE(L.I_STRING_BYTES);

    test('checksums', () => {
      const header = Buffer.from(good);
      header[L.H_BODY_LENGTH] ^= 1;
      corrupt(header, 'header checksum mismatch');
      const stored = wrapPayload(payloadOf(sampleSnapshot()), null);
      stored[stored.length - 1] ^= 0x40;
      corrupt(
        stored,
        /^node-tracemalloc dump \/x\/y\.ntm: corrupt: payload checksum mismatch \(CRC-32 0x[0-9a-f]{8}, header says 0x[0-9a-f]{8}\)$/,
      );
      corrupt(
        editHeader(good, (h) => (h[L.H_PAYLOAD_CRC] ^= 1)),
        /payload checksum mismatch/,
      );
    });

    test('the compressed stream', () => {
      const body = Buffer.from(good);
      body[L.HEADER_SIZE] ^= 0xff;
      corrupt(body, /^node-tracemalloc dump \/x\/y\.ntm: corrupt: cannot inflate the payload \(.+\)$/);
      corrupt(Buffer.concat([good, Buffer.from('junk')]), '4 bytes of trailing data after the payload');
      const inner = editHeader(Buffer.concat([good, Buffer.from('junk')]), (h) =>
        h.writeUInt32LE(h.readUInt32LE(L.H_BODY_LENGTH) + 4, L.H_BODY_LENGTH),
      );
      corrupt(inner, '4 bytes after the end of the compressed stream');
    });

    test('declared lengths, before anything is allocated', () => {
      const length = unwrapPayload(good, 'x').payload.length;
      corrupt(
        editHeader(good, (h) => h.writeUInt32LE(length - 1, L.H_PAYLOAD_LENGTH)),
        `the payload inflates past its declared ${length - 1} bytes`,
      );
      corrupt(
        editHeader(good, (h) => h.writeUInt32LE(length + 1, L.H_PAYLOAD_LENGTH)),
        `the payload inflates to ${length} bytes, not the declared ${length + 1}`,
      );
      // A zip bomb's promise: 2^40 bytes from a few hundred.
      const highWord = (value: number) => editHeader(good, (h) => h.writeUInt32LE(value, L.H_PAYLOAD_LENGTH + 4));
      corrupt(highWord(256), /declares a 1099511\d+-byte payload, more than \d+ stored bytes can hold/);
      corrupt(highWord(0xffffffff), /more than \d+ stored bytes can hold/);
      corrupt(
        editHeader(good, (h) => h.writeUInt32LE(10, L.H_PAYLOAD_LENGTH)),
        'declares a 10-byte payload, less than its 56-byte info block',
      );
      const stored = wrapPayload(payloadOf(sampleSnapshot()), null);
      corrupt(
        editHeader(stored, (h) => h.writeUInt32LE(h.readUInt32LE(L.H_PAYLOAD_LENGTH) - 1, L.H_PAYLOAD_LENGTH)),
        /^node-tracemalloc dump \/x\/y\.ntm: corrupt: declares a (\d+)-byte payload but stores \d+ bytes uncompressed$/,
      );
      // Four billion samples declared in a few hundred bytes: refused by arithmetic, not by running out of memory.
      const e = loadError(withPayload((p) => p.writeUInt32LE(0xffffffff, L.I_SAMPLES)));
      expect(e.message).toMatch(/truncated: expected 137438953440 bytes of sample data, found \d+$/);
      corrupt(
        withPayload((p) => Buffer.concat([p, Buffer.alloc(3)])),
        '3 bytes of trailing data after the sample data',
      );
    });

    test('info fields', () => {
      corrupt(
        withPayload((p) => p.writeDoubleLE(0, L.I_INTERVAL)),
        'interval 0 is not an integer ≥ 1',
      );
      corrupt(
        withPayload((p) => p.writeDoubleLE(NaN, L.I_TIMESTAMP)),
        'timestamp NaN is not a finite number',
      );
      corrupt(
        withPayload((p) => p.writeUInt8(3, L.I_VIEW)),
        'view byte 3 is not one of 0 (live), 1 (allocated), 2 (peak)',
      );
      corrupt(
        withPayload((p) => p.writeUInt8(3, L.I_INLINING)),
        'inlining byte 3 is not one of 0 (unknown), 1 (on), 2 (off)',
      );
      corrupt(
        withPayload((p) => p.writeUInt8(1, L.I_RESERVED + 5)),
        'reserved info bytes 50-55 are not zero',
      );
      corrupt(
        withPayload((p) => p.writeDoubleLE(-1, L.I_SESSION)),
        'session -1 is not a safe integer ≥ 0',
      );
    });

    test('strings', () => {
      corrupt(
        withPayload((p) => p.writeUInt32LE(1000, L.INFO_SIZE)),
        /^node-tracemalloc dump \/x\/y\.ntm: corrupt: string 0 is 1000 bytes, past the \d+ bytes of string data$/,
      );
      // The last string one byte shorter: every string still decodes, but the lengths miss a byte.
      const last = L.INFO_SIZE + 4 * (strings - 1);
      corrupt(
        withPayload((p) => p.writeUInt32LE(p.readUInt32LE(last) - 1, last)),
        /corrupt: the string lengths add up to (\d+) bytes, not (\d+)$/,
      );
      const utf8 = sampleSnapshot().table.strings.indexOf('/app/server.js');
      corrupt(
        withPayload((p) => {
          let offset = L.INFO_SIZE + 4 * p.readUInt32LE(L.I_STRINGS);
          for (let i = 0; i < utf8; i++) offset += p.readUInt32LE(L.INFO_SIZE + 4 * i) & 0x7fffffff;
          p[offset] = 0xff;
        }),
        `string ${utf8} is not valid UTF-8`,
      );
      const odd = sampleSnapshot().table.strings.indexOf('bad\ud800name');
      corrupt(
        withPayload((p) => {
          const at = L.INFO_SIZE + 4 * odd;
          p.writeUInt32LE(p.readUInt32LE(at) - 1, at);
          p.writeUInt32LE(p.readUInt32LE(at + 4) + 1, at + 4);
        }),
        `string ${odd} is UTF-16 with an odd length (15 bytes)`,
      );
    });

    test('indexes, parent cycles and parents after their children', () => {
      const frameFile = (p: Buffer) => stringsEnd(p) + 4 * frames;
      const stackParent = (p: Buffer) => stringsEnd(p) + 24 * frames + 4 * stacks;
      const sampleStack = (p: Buffer) => stringsEnd(p) + 24 * frames + 8 * stacks;
      corrupt(
        withPayload((p) => p.writeUInt32LE(strings, stringsEnd(p))),
        `frame 0 names string ${strings}, past the ${strings} strings`,
      );
      corrupt(
        withPayload((p) => p.writeUInt32LE(0xffffffff, frameFile(p) + 4)),
        `frame 1 has file string 4294967295, past the ${strings} strings`,
      );
      corrupt(
        withPayload((p) => p.writeUInt32LE(frames, stringsEnd(p) + 24 * frames)),
        `stack 0 points to frame ${frames}, past the ${frames} frames`,
      );
      corrupt(
        withPayload((p) => p.writeInt32LE(stacks, stackParent(p))),
        `stack 0 has parent ${stacks}, outside [-1; ${stacks})`,
      );
      corrupt(
        withPayload((p) => p.writeInt32LE(-2, stackParent(p))),
        `stack 0 has parent -2, outside [-1; ${stacks})`,
      );
      // A stack's parent comes before it: no cycle can then be written.
      corrupt(
        withPayload((p) => p.writeInt32LE(0, stackParent(p))),
        "stack 0 has parent 0, not a row before it (a stack's parent comes first)",
      );
      // A loop 0 → 1 → 0 (stack 1's parent is 0 in the sample table).
      corrupt(
        withPayload((p) => p.writeInt32LE(1, stackParent(p))),
        "stack 0 has parent 1, not a row before it (a stack's parent comes first)",
      );
      // No loop (0 → 2 → -1), but a parent after its child: every walk is a forward loop, so refused too.
      expect(sampleSnapshot().table.stackParent[2]).toBe(-1);
      corrupt(
        withPayload((p) => p.writeInt32LE(2, stackParent(p))),
        "stack 0 has parent 2, not a row before it (a stack's parent comes first)",
      );
      corrupt(
        withPayload((p) => p.writeUInt32LE(stacks, sampleStack(p))),
        `sample 0 points to stack ${stacks}, past the ${stacks} stacks`,
      );
      const samples = sampleSnapshot().table.sampleStack.length;
      const sampleSize = (p: Buffer) => sampleStack(p) + 4 * samples;
      corrupt(
        withPayload((p) => p.writeDoubleLE(-1, sampleSize(p) + 8)),
        'sample 1 has size -1, not a number in [0, 2^53]',
      );
      corrupt(
        withPayload((p) => p.writeDoubleLE(Infinity, sampleSize(p) + 8 * samples)),
        'sample 0 has count Infinity, not a number in [0, 2^53]',
      );
      corrupt(
        withPayload((p) => p.writeDoubleLE(1.5, sampleSize(p) + 16 * samples)),
        'sample 0 has id 1.5, not a safe integer ≥ 0',
      );
    });
  });
});

test("a dump's checksums are CRC-32 (IEEE): zlib's, and the standard check value", () => {
  // The check value of CRC-32 (IEEE 802.3, as zlib and gzip compute it): 0xcbf43926 for "123456789".
  const stored = wrapPayload(Buffer.from('123456789'), null);
  expect(stored.readUInt32LE(L.H_PAYLOAD_CRC)).toBe(0xcbf43926);
  const random = prng(7);
  for (const length of [0, 1, 3, 4, 5, 255, 1024, 4099]) {
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) payload[i] = Math.floor(random() * 256);
    const header = wrapPayload(payload).subarray(0, L.HEADER_SIZE);
    expect(header.readUInt32LE(L.H_PAYLOAD_CRC)).toBe(zlib.crc32(payload));
    expect(header.readUInt32LE(L.H_HEADER_CRC)).toBe(zlib.crc32(header.subarray(0, L.H_HEADER_CRC)));
  }
});

// The fuzz test is scripts/fuzz-dumps.js, run by test/fuzz-dumps.test.ts.
