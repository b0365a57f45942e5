#!/usr/bin/env node
// The dump fuzzer: damaged, hostile and deep dumps fed to the loader, and
// every loaded snapshot through every analysis and export. A case passes when
// the dump loads as a valid snapshot whose analyses agree with it, or is
// refused with a DumpFormatError; an export may also refuse with
// ERR_TRACEMALLOC_OUTPUT_TOO_LARGE. Anything else is a finding:
//   crash       the worker process died (a V8 abort, a signal, out of memory: it has a 1 GB heap)
//   hang        a case ran longer than --timeout
//   unexpected  an uncoded error, or a loaded snapshot that is invalid or disagrees with itself
//
//   node scripts/fuzz-dumps.js [--seed 1] [--cases 20000] [--timeout 10000] [--json]
//   node scripts/fuzz-dumps.js --seed 1 --replay 1234     one case, in this process, with its stack
//
// Cases run in a worker process, numbered; a case's bytes depend only on
// (seed, number), so any finding replays alone. Needs `npm run build:ts`
// (it runs dist/), not the addon. Exit code 1 when there is any finding.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist');
const REASONS = ['not-a-dump', 'future-version', 'truncated', 'corrupt', 'too-large'];

function parseArgs(argv) {
  const opts = { seed: 1, cases: 20000, timeout: 10000, json: false, worker: false, from: 0, replay: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = () => Number(inline ?? argv[++i]);
    if (name === '--seed') opts.seed = value();
    else if (name === '--cases') opts.cases = value();
    else if (name === '--timeout') opts.timeout = value();
    else if (name === '--from') opts.from = value();
    else if (name === '--replay') opts.replay = value();
    else if (name === '--json') opts.json = true;
    else if (name === '--worker') opts.worker = true;
    else throw new Error(`unknown option ${argv[i]} (options: --seed N --cases N --timeout MS --json --replay N)`);
  }
  for (const key of ['seed', 'cases', 'timeout', 'from']) {
    if (!Number.isSafeInteger(opts[key]) || opts[key] < 0) throw new Error(`--${key} needs an integer ≥ 0`);
  }
  return opts;
}

// ---- cases ------------------------------------------------------------

const { prng } = require('./lib/prng');

/** The generator of case `n`: its own stream, so cases replay one by one. */
function caseRandom(seed, n) {
  const mix = prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);
  mix();
  return mix;
}

function loadDist() {
  // The API the cases run: the root, the exports and the model's NO_STACK.
  const tm = {
    ...require(DIST),
    ...require(path.join(DIST, 'entries', 'export')),
    ...require(path.join(DIST, 'entries', 'model')),
  };
  const { wrapPayload } = require(path.join(DIST, 'model', 'dump', 'container'));
  const { encodePayload } = require(path.join(DIST, 'model', 'dump', 'payload'));
  const L = require(path.join(DIST, 'model', 'dump', 'layout'));
  const { crc32 } = require('node:zlib');
  const { chainTable, broomTable } = require('./deep-tables');
  return { tm, wrapPayload, encodePayload, L, crc32, chainTable, broomTable };
}

// Names a program may give its functions and files, hostile ones included.
const NAMES = [
  '',
  'a.js',
  '/app/server.js',
  'getData',
  '\x1b[2J\x1b]0;t\x07',
  'over\rwrite',
  'bad\ud800name',
  '😀é',
  'x;y\nz',
  '(V8 API)',
  '(GC)',
  'node:internal/x',
  'file:///tmp/a.mjs',
  'file://%zz',
  '<unknown>',
  '\u202egnp.js',
];

function baseSnapshots(d) {
  const frame = (filename, lineno, functionName, column) => ({ filename, lineno, functionName, column });
  const traces = [
    { domain: 0, size: 64, frames: [frame('/app/server.js', 12, 'getData', 3)] },
    {
      domain: 0,
      size: 4096,
      count: 3,
      frames: [frame('/app/db.js', 40, 'query'), frame('/app/server.js', 12, 'getData', 3)],
    },
    { domain: 2, size: 24, frames: [] },
    { domain: 1, size: 0.5, count: 0.25, frames: [frame('file:///tmp/é/ü.mjs', 1, 'bad\ud800name')] },
    { domain: 0, size: 8, frames: [frame('\ufeffbom.js', 0, '😀'), frame('', 0, '(V8 API)')] },
  ];
  const extreme = new d.tm.Snapshot(
    {
      strings: ['a.js', 'f', 'g'],
      frameName: Uint32Array.of(1, 2),
      frameFile: Uint32Array.of(0, 0),
      frameLine: Int32Array.of(1, -5),
      frameColumn: Int32Array.of(2, 2147483647),
      frameScriptId: Int32Array.of(7, -1),
      frameStart: Int32Array.of(100, -2147483648),
      stackFrame: Uint32Array.of(1, 1, 0),
      stackParent: Int32Array.of(-1, 0, 1),
      sampleStack: Uint32Array.of(2, 0, d.tm.NO_STACK, 1),
      sampleSize: Float64Array.of(1, 2, 3, -0),
      sampleCount: Float64Array.of(1, 1, 1, 1),
      sampleId: Float64Array.of(3, 9, 2 ** 53 - 1, 0),
      sampleDomain: Uint32Array.of(0, 1, 0xffffffff, 7),
    },
    { tracebackLimit: 65535, interval: 1, timestamp: 1712345678901.5 },
  );
  return [d.tm.Snapshot.fromTraces(traces, 25, { interval: 512 * 1024 }), extreme, d.tm.Snapshot.fromTraces([], 1)].map(
    (s) => ({
      snapshot: s,
      file: d.tm.encodeSnapshot(s),
      payload: payloadOf(d, s.table, s),
    }),
  );
}

function payloadOf(d, table, info) {
  const { tracebackLimit, interval, timestamp, session = 0, view = 'live', inlining } = info;
  return d.encodePayload(table, { tracebackLimit, interval, timestamp, session, view, inlining });
}

/** A table of random shape: mostly valid indexes, sometimes not; hostile strings; odd numbers. */
function randomTable(int, random, NO_STACK) {
  const pick = (list) => list[int(list.length)];
  const odd = [0, -1, 1, 0x7fffffff, -0x80000000, 65535];
  const strings = Array.from({ length: int(6) }, () => pick(NAMES));
  const nf = int(6);
  const ns = int(12);
  const nn = int(12);
  const index = (n) => (random() < 0.95 ? int(Math.max(n, 1)) : pick([n, n + 1, 0xffffffff, 0x7fffffff]));
  const number = () => (random() < 0.9 ? int(5000) : pick([NaN, -1, Infinity, 1e300, 0.5, -0, 2 ** 53]));
  return {
    strings,
    frameName: Uint32Array.from({ length: nf }, () => index(strings.length)),
    frameFile: Uint32Array.from({ length: nf }, () => index(strings.length)),
    frameLine: Int32Array.from({ length: nf }, () => (random() < 0.8 ? int(100) : pick(odd))),
    frameColumn: Int32Array.from({ length: nf }, () => (random() < 0.8 ? int(100) : pick(odd))),
    frameScriptId: Int32Array.from({ length: nf }, () => int(10) - 1),
    frameStart: Int32Array.from({ length: nf }, () => int(1000)),
    stackFrame: Uint32Array.from({ length: ns }, () => index(nf)),
    // Parents before children mostly; sometimes after, out of range or a cycle (all corrupt).
    stackParent: Int32Array.from({ length: ns }, (_, s) => (random() < 0.85 ? int(s + 1) - 1 : int(ns + 3) - 2)),
    sampleStack: Uint32Array.from({ length: nn }, () => (random() < 0.1 ? NO_STACK : index(ns))),
    sampleSize: Float64Array.from({ length: nn }, number),
    sampleCount: Float64Array.from({ length: nn }, number),
    sampleId: Float64Array.from({ length: nn }, () => (random() < 0.95 ? int(1e6) : pick([-1, 2 ** 53, 0.5]))),
    sampleDomain: Uint32Array.from({ length: nn }, () => int(4)),
  };
}

/** The bytes of case `n` and what kind of damage made them. */
function makeCase(d, bases, seed, n) {
  const random = caseRandom(seed, n);
  const int = (k) => Math.floor(random() * k);
  const { L } = d;
  const base = bases[int(bases.length)];
  const interesting = [0, 1, 2, 3, 5, 7, 8, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  const flip = (buf) => {
    const out = Buffer.from(buf);
    if (out.length === 0) return out;
    for (let k = 1 + int(4); k > 0; k--) out[int(out.length)] ^= 1 + int(255);
    return out;
  };
  const kind = int(11);
  let payload = base.payload;
  switch (kind) {
    case 0: // damage anywhere in the file
      return { kind, bytes: flip(base.file) };
    case 1: {
      if (random() < 0.1) {
        // a payload declared past the 2 GiB limit, with a body long enough to make that claim plausible
        const body = Buffer.alloc(2_100_000, int(256));
        const out = Buffer.concat([Buffer.from(base.file.subarray(0, L.HEADER_SIZE)), body]);
        const declared = 2 ** 31 + 1 + int(2 ** 20);
        out.writeUInt32LE(declared % 2 ** 32, L.H_PAYLOAD_LENGTH);
        out.writeUInt32LE(Math.floor(declared / 2 ** 32), L.H_PAYLOAD_LENGTH + 4);
        out.writeUInt32LE(body.length, L.H_BODY_LENGTH);
        out.writeUInt32LE(0, L.H_BODY_LENGTH + 4);
        out.writeUInt32LE(d.crc32(out.subarray(0, L.H_HEADER_CRC)), L.H_HEADER_CRC);
        return { kind, bytes: out };
      }
      // damage the header, then make its checksum valid again
      const out = Buffer.from(base.file);
      for (let k = 1 + int(3); k > 0; k--) out[int(L.H_HEADER_CRC)] ^= 1 + int(255);
      out.writeUInt32LE(d.crc32(out.subarray(0, L.H_HEADER_CRC)), L.H_HEADER_CRC);
      return { kind, bytes: out };
    }
    case 2: // cut short
      return { kind, bytes: base.file.subarray(0, int(base.file.length)) };
    case 3: // garbage appended
      return {
        kind,
        bytes: Buffer.concat([base.file, Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)))]),
      };
    case 4: // damaged payload with a valid checksum
      return { kind, bytes: d.wrapPayload(flip(payload), random() < 0.5 ? null : 1) };
    case 5: {
      // an interesting 32-bit value at an aligned offset (counts, lengths, indexes)
      payload = Buffer.from(payload);
      const at = 4 * int(payload.length / 4);
      const value = random() < 0.7 ? interesting[int(interesting.length)] : int(0x100000000);
      if (at + 4 <= payload.length) payload.writeUInt32LE(value >>> 0, at);
      return { kind, bytes: d.wrapPayload(payload) };
    }
    case 6: // a payload cut short or extended, with a valid checksum
      payload =
        random() < 0.5
          ? payload.subarray(0, int(payload.length))
          : Buffer.concat([payload, Buffer.alloc(1 + int(40), int(256))]);
      return { kind, bytes: d.wrapPayload(payload) };
    case 7: {
      // dense damage where counts, lengths and first indexes live
      payload = Buffer.from(payload);
      const end = Math.min(payload.length, 128);
      for (let k = 1 + int(3); k > 0; k--) payload[int(end)] ^= 1 + int(255);
      return { kind, bytes: d.wrapPayload(payload) };
    }
    case 8:
    case 9: {
      // a table of random shape and hostile names, written without the writer's checks
      const table = randomTable(int, random, d.tm.NO_STACK);
      const interval = random() < 0.5 ? 1 : 1 + int(1 << 20);
      // Format 2 stores the tracing session (0 unknown).
      const info = {
        tracebackLimit: int(65536),
        interval,
        timestamp: int(2e12),
        session: random() < 0.5 ? 0 : 1 + int(2 ** 31),
      };
      return { kind, bytes: d.wrapPayload(payloadOf(d, table, info), random() < 0.3 ? null : 1) };
    }
    default: {
      // Deep stacks sharing their callers: valid, and costly for anything
      // quadratic. Either shallow enough that every export is small, or deep
      // enough (20,000+ frames) that the per-trace exports are refused at once.
      const deep = random() < 0.03;
      const depth = deep ? 20000 + int(45536) : 1 + int(400);
      const table =
        random() < 0.5
          ? d.chainTable({ depth, distinct: 1 + int(depth) })
          : d.broomTable({ depth, leaves: 1 + int(deep ? 5 : 50), samplesPerLeaf: 1 + int(3) });
      return { kind, bytes: d.wrapPayload(payloadOf(d, table, { tracebackLimit: 65535, interval: 1, timestamp: 0 })) };
    }
  }
}

// ---- checks -----------------------------------------------------------

/** Everything a loaded snapshot must satisfy to be safe to use (cheap: O(table)). */
function validityProblem(s, NO_STACK) {
  const t = s.table;
  if (!t.strings.every((x) => typeof x === 'string')) return 'a string is not a string';
  const frames = t.frameName.length;
  const stacks = t.stackFrame.length;
  for (let f = 0; f < frames; f++) {
    if (t.frameName[f] >= t.strings.length || t.frameFile[f] >= t.strings.length) return `frame ${f} out of range`;
  }
  for (let i = 0; i < stacks; i++) {
    if (t.stackFrame[i] >= frames || t.stackParent[i] < -1 || t.stackParent[i] >= stacks)
      return `stack ${i} out of range`;
  }
  for (let i = 0; i < t.sampleStack.length; i++) {
    if (t.sampleStack[i] >= stacks && t.sampleStack[i] !== NO_STACK) return `sample ${i} out of range`;
    if (!Number.isFinite(t.sampleSize[i]) || !Number.isFinite(t.sampleCount[i])) return `sample ${i} not finite`;
  }
  return undefined;
}

const near = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

class Problem extends Error {}

function expect(ok, what) {
  if (!ok) throw new Problem(what);
}

/** An export, or its coded refusal (deep stacks). */
function exported(fn) {
  try {
    return fn();
  } catch (error) {
    if (error && error.code === 'ERR_TRACEMALLOC_OUTPUT_TOO_LARGE') return undefined;
    throw error;
  }
}

/** Every analysis and export of a loaded snapshot, checked against the snapshot's own totals. */
function exercise(d, snapshot, other) {
  const { tm } = d;
  const total = snapshot.totalSize;
  const objects = snapshot.totalCount;
  for (const key of ['filename', 'lineno', 'function', 'traceback']) {
    const stats = snapshot.statistics(key);
    expect(
      near(
        stats.reduce((n, s) => n + s.size, 0),
        total,
      ),
      `statistics('${key}') sizes do not add up to the total`,
    );
    expect(
      near(
        stats.reduce((n, s) => n + s.count, 0),
        objects,
      ),
      `statistics('${key}') counts do not add up to the total`,
    );
    for (const s of stats.slice(0, 5)) String(s);
    if (key !== 'traceback') {
      const cumulative = snapshot.statistics(key, true);
      expect(
        cumulative.every((s) => s.size <= total * 65536 + 1e-6),
        `statistics('${key}', true) out of bounds`,
      );
    }
  }
  const diffs = snapshot.compareTo(other, 'traceback');
  expect(
    diffs.every((x) => Number.isFinite(x.sizeDiff)),
    'compareTo gave a non-finite difference',
  );
  snapshot.compareTo(other, 'lineno', true);
  const self = snapshot.compareTo(snapshot, 'function');
  expect(
    self.every((x) => x.sizeDiff === 0 && x.countDiff === 0),
    'compareTo(itself) is not all zeros',
  );
  class Recent extends tm.BaseFilter {
    match(trace) {
      const frame = trace.traceback.at(-1);
      return frame === undefined || frame.lineno % 2 === 0;
    }
  }
  const filtered = snapshot.filterTraces([
    new tm.Filter(true, '*a*'),
    new tm.Filter(false, '<unknown>', undefined, true),
    new tm.DomainFilter(false, 1),
  ]);
  filtered.statistics('lineno');
  snapshot.filterTraces([new Recent(true)]).statistics('traceback');
  let shown = 0;
  for (const trace of snapshot.traces) {
    if (shown++ >= 20) break;
    String(trace);
    trace.traceback.format(3, true);
  }
  const json = exported(() => tm.encodeSnapshotJson(snapshot));
  if (json !== undefined && json.length < 4 * 2 ** 20) {
    const parsed = JSON.parse(json);
    expect(
      near(
        parsed.traces.reduce((n, x) => n + x.size, 0),
        total,
      ),
      'the JSON export lost bytes',
    );
  }
  exported(() => tm.toCollapsed(snapshot));
  exported(() => JSON.parse(tm.encodeHeapProfile(snapshot)));
  exported(() => tm.encodePprof(snapshot));
  exported(() => tm.toFlameGraphHtml(snapshot));
  // What loads writes back the same.
  const again = tm.decodeSnapshot(tm.encodeSnapshot(snapshot));
  expect(
    again.table.strings.length === snapshot.table.strings.length && near(again.totalSize, total),
    'a reloaded snapshot differs',
  );
}

/** One case: 'loaded', a DumpFormatError reason, or throws (an unexpected error). */
function runCase(d, bases, seed, n) {
  const { bytes } = makeCase(d, bases, seed, n);
  let snapshot;
  try {
    snapshot = d.tm.decodeSnapshot(bytes, 'fuzz');
  } catch (error) {
    if (
      error instanceof d.tm.DumpFormatError &&
      REASONS.includes(error.reason) &&
      error.message.startsWith(`node-tracemalloc dump fuzz: ${error.reason}: `)
    ) {
      return error.reason;
    }
    throw error;
  }
  const problem = validityProblem(snapshot, d.tm.NO_STACK);
  if (problem !== undefined) throw new Problem(`loaded an invalid snapshot: ${problem}`);
  exercise(d, snapshot, bases[n % bases.length].snapshot);
  return 'loaded';
}

// ---- worker: runs cases, one line each on stdout ----------------------

/**
 * FUZZ_DUMPS_INJECT=crash:N,hang:M makes the worker abort at case N and spin
 * at case M: how the tests check that crashes and hangs are caught.
 */
function injected() {
  const spec = process.env.FUZZ_DUMPS_INJECT ?? '';
  return new Map(
    spec
      .split(',')
      .filter(Boolean)
      .map((item) => [Number(item.split(':')[1]), item.split(':')[0]]),
  );
}

function worker(opts) {
  const fs = require('node:fs');
  const d = loadDist();
  const bases = baseSnapshots(d);
  const inject = injected();
  for (let n = opts.from; n < opts.cases; n++) {
    if (inject.get(n) === 'crash') process.abort();
    if (inject.get(n) === 'hang') for (;;);
    let line;
    try {
      line = `${n} ${runCase(d, bases, opts.seed, n)}`;
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      line = `${n} unexpected ${JSON.stringify(text.slice(0, 300))}`;
    }
    fs.writeSync(1, `${line}\n`);
  }
}

// ---- parent: the workers, the watchdog and the report -----------------

function runWorker(opts, from, onLine) {
  return new Promise((resolve) => {
    const args = [
      '--max-old-space-size=1024',
      __filename,
      '--worker',
      '--seed',
      String(opts.seed),
      '--cases',
      String(opts.cases),
      '--from',
      String(from),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    let hung = false;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, opts.timeout);
    };
    arm();
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        arm();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, hung, stderr });
    });
  });
}

async function parent(opts) {
  const started = Date.now();
  const outcomes = { loaded: 0 };
  const findings = { crashes: [], hangs: [], unexpected: [] };
  let next = 0;
  while (next < opts.cases) {
    let last = next - 1;
    const ended = await runWorker(opts, next, (line) => {
      const space = line.indexOf(' ');
      const n = Number(line.slice(0, space));
      const rest = line.slice(space + 1);
      last = n;
      if (rest.startsWith('unexpected ')) findings.unexpected.push({ case: n, error: JSON.parse(rest.slice(11)) });
      else outcomes[rest] = (outcomes[rest] ?? 0) + 1;
    });
    if (last === opts.cases - 1 && ended.code === 0) break;
    const culprit = last + 1;
    if (ended.hung) findings.hangs.push({ case: culprit, ms: opts.timeout });
    else
      findings.crashes.push({
        case: culprit,
        exit: ended.code,
        signal: ended.signal,
        stderr: ended.stderr.trim().split('\n').slice(-3).join(' | '),
      });
    next = culprit + 1;
  }
  const summary = {
    seed: opts.seed,
    cases: opts.cases,
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    outcomes,
    crashes: findings.crashes.length,
    hangs: findings.hangs.length,
    unexpected: findings.unexpected.length,
    findings: [
      ...findings.crashes.map((f) => ({ kind: 'crash', ...f })),
      ...findings.hangs.map((f) => ({ kind: 'hang', ...f })),
      ...findings.unexpected.map((f) => ({ kind: 'unexpected', ...f })),
    ].slice(0, 20),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const refused = REASONS.map((r) => `${r} ${outcomes[r] ?? 0}`).join(', ');
    process.stdout.write(
      `fuzz-dumps: seed ${opts.seed}, ${opts.cases} cases in ${summary.seconds} s\n` +
        `  loaded ${outcomes.loaded} (each through every analysis and export); refused: ${refused}\n` +
        `  crashes ${summary.crashes}, hangs ${summary.hangs}, unexpected errors ${summary.unexpected}\n`,
    );
    for (const f of summary.findings) {
      process.stdout.write(
        `  ${f.kind} at case ${f.case}: ${JSON.stringify(f)}  (replay: node scripts/fuzz-dumps.js --seed ${opts.seed} --replay ${f.case})\n`,
      );
    }
  }
  return summary.crashes + summary.hangs + summary.unexpected === 0 ? 0 : 1;
}

function replay(opts) {
  const d = loadDist();
  const { kind, bytes } = makeCase(d, baseSnapshots(d), opts.seed, opts.replay);
  process.stdout.write(`case ${opts.replay} (seed ${opts.seed}): kind ${kind}, ${bytes.length} bytes\n`);
  process.stdout.write(`${runCase(d, baseSnapshots(d), opts.seed, opts.replay)}\n`);
}

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.worker) worker(opts);
  else if (opts.replay !== undefined) replay(opts);
  else void parent(opts).then((code) => (process.exitCode = code));
}

module.exports = { makeCase, runCase, loadDist, baseSnapshots };
