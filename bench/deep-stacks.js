#!/usr/bin/env node
// Times every analysis and export on 65,535-frame stacks (issue 12, finding
// 5): tables whose tracebacks share their callers, so a naive walk of every
// trace visits depth² / 2 frames. Two shapes (scripts/deep-tables.js):
// a chain of 65,535 frames with a sample on every row, and 2,000 leaves under
// a 65,534-frame trunk with 3 samples each. Each runs from a dump written by
// the dump writer. No addon needed: `npm run build:ts`, then
// `node bench/deep-stacks.js`. Prints markdown; bench/run.js includes it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tm = require('../dist');
const formats = require('../dist/entries/export');
const { broomTable, chainTable } = require('../scripts/deep-tables');

const RUNS = Number(process.env.BENCH_DEEP_RUNS ?? 3);
const MAX = 65535;

function median(fn) {
  let result;
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)], result };
}

/** What an export gave: its size, or the code it was refused with. */
function outcome(fn) {
  try {
    const out = fn();
    return `${(out.length / 1048576).toFixed(1)} MiB`;
  } catch (error) {
    if (error.code !== 'ERR_TRACEMALLOC_OUTPUT_TOO_LARGE') throw error;
    return 'refused (`OUTPUT_TOO_LARGE`)';
  }
}

class OddLines extends tm.BaseFilter {
  match(trace) {
    return trace.traceback.at(-1).lineno % 2 === 1;
  }
}

const CASES = [
  ['load the dump', (s, file) => tm.Snapshot.load(file)],
  ["statistics('lineno')", (s) => s.statistics('lineno')],
  ["statistics('lineno', true) (cumulative)", (s) => s.statistics('lineno', true)],
  ["statistics('traceback')", (s) => s.statistics('traceback')],
  ["compareTo(empty, 'traceback')", (s) => s.compareTo(tm.Snapshot.fromTraces([], 1), 'traceback')],
  ["compareTo(itself, 'lineno', true)", (s) => s.compareTo(s, 'lineno', true)],
  ['filterTraces, a custom filter (a Trace per sample)', (s) => s.filterTraces([new OddLines(true)])],
  ['filterTraces, Filter all_frames', (s) => s.filterTraces([new tm.Filter(true, '/app/deep.js', 2, true)])],
  ['encodeHeapProfile', (s) => formats.encodeHeapProfile(s), true],
  ['toFlameGraphHtml', (s) => formats.toFlameGraphHtml(s), true],
  ['encodeSnapshotJson', (s) => formats.encodeSnapshotJson(s), true],
  ['encodePprof', (s) => formats.encodePprof(s), true],
  ['toCollapsed', (s) => formats.toCollapsed(s), true],
];

const SHAPES = [
  ['chain: 65,535 frames, a sample on every row', chainTable({ depth: MAX, distinct: 3 })],
  [
    'broom: 2,000 leaves under 65,534 frames, 3 samples each',
    broomTable({ depth: MAX - 1, leaves: 2000, samplesPerLeaf: 3 }),
  ],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-bench-deep-'));
const results = [];
try {
  for (const [name, table] of SHAPES) {
    const file = path.join(dir, 'deep.ntm');
    tm.dumpSnapshot(new tm.Snapshot(table, { tracebackLimit: MAX, interval: 1 }), file);
    const snapshot = tm.Snapshot.load(file);
    let frames = 0;
    for (const trace of snapshot.traces) frames += trace.traceback.length;
    const row = {
      name,
      bytes: fs.statSync(file).size,
      stacks: table.stackFrame.length,
      samples: table.sampleStack.length,
      frames,
      cells: [],
    };
    for (const [what, fn, isExport] of CASES) {
      const { ms, result } = median(() => (isExport ? outcome(() => fn(snapshot, file)) : fn(snapshot, file)));
      row.cells.push([what, ms, isExport ? result : '']);
    }
    row.rss = process.memoryUsage().rss;
    results.push(row);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const n = (x) => x.toLocaleString('en-US');
console.log(
  `Node ${process.version}, ${os.cpus()[0].model}, median of ${RUNS}; each table written and loaded through a dump.\n`,
);
for (const r of results) {
  console.log(
    `**${r.name}**: ${n(r.stacks)} stacks, ${n(r.samples)} samples, a ${(r.bytes / 1024).toFixed(0)} KiB dump; ` +
      `the traces' tracebacks hold ${n(r.frames)} frames in all. RSS after the run: ${(r.rss / 1048576).toFixed(0)} MiB.\n`,
  );
  console.log('| operation | time | output |');
  console.log('|---|---:|---|');
  for (const [what, ms, result] of r.cells) console.log(`| ${what} | ${ms.toFixed(1)} ms | ${result} |`);
  console.log('');
}
