#!/usr/bin/env node
// Times snapshot dumps on synthetic tables shaped like a real exact-mode
// profile (~5k frames, ~50k stacks, skewed stack popularity, small integer
// sizes, climbing sample ids). No addon needed: run `npm run build:ts`, then
// `node bench/dump-load.js`. Not part of `npm test`.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Snapshot, encodeSnapshot, decodeSnapshot, dumpSnapshot, loadSnapshot } = require('../dist');

const RUNS = 5;
const FRAMES = 5000;
const STACKS = 50000;
const FILES = 300;

const { prng } = require('../scripts/lib/prng');

function syntheticTable(samples, seed = 1) {
  const random = prng(seed);
  const int = (n) => Math.floor(random() * n);
  const strings = [''];
  for (let i = 0; i < FILES; i++) strings.push(`/srv/app/node_modules/pkg${i % 40}/lib/module${i}.js`);
  for (let i = 0; i < FRAMES; i++) strings.push(`${['get', 'load', 'parse', 'render', 'handle'][i % 5]}Thing${i}`);
  const frameName = new Uint32Array(FRAMES);
  const frameFile = new Uint32Array(FRAMES);
  const frameLine = new Int32Array(FRAMES);
  const frameColumn = new Int32Array(FRAMES);
  const frameScriptId = new Int32Array(FRAMES);
  const frameStart = new Int32Array(FRAMES);
  for (let f = 0; f < FRAMES; f++) {
    const file = int(FILES);
    frameName[f] = 1 + FILES + f;
    frameFile[f] = 1 + file;
    frameLine[f] = 1 + int(3000);
    frameColumn[f] = 1 + int(80);
    frameScriptId[f] = 100 + file;
    frameStart[f] = int(200000);
  }
  // A call tree: 200 roots, then each stack extends a recent one (deep chains, shared prefixes).
  const stackFrame = new Uint32Array(STACKS);
  const stackParent = new Int32Array(STACKS);
  for (let s = 0; s < STACKS; s++) {
    stackFrame[s] = int(FRAMES);
    stackParent[s] = s < 200 ? -1 : s - 1 - int(Math.min(s, 2000));
  }
  const sizes = [16, 24, 32, 40, 48, 64, 96, 128, 256, 1024, 4096];
  const sampleStack = new Uint32Array(samples);
  const sampleSize = new Float64Array(samples);
  const sampleCount = new Float64Array(samples);
  const sampleId = new Float64Array(samples);
  const sampleDomain = new Uint32Array(samples);
  let id = 1;
  for (let i = 0; i < samples; i++) {
    sampleStack[i] = Math.floor(STACKS * random() ** 3); // a few hot stacks hold most samples
    sampleSize[i] = sizes[Math.floor(sizes.length * random() * random())];
    sampleCount[i] = 1;
    id += 1 + int(4); // ids of samples since collected are gone
    sampleId[i] = id;
  }
  const table = {
    strings,
    frameName,
    frameFile,
    frameLine,
    frameColumn,
    frameScriptId,
    frameStart,
    stackFrame,
    stackParent,
    sampleStack,
    sampleSize,
    sampleCount,
    sampleId,
    sampleDomain,
  };
  return new Snapshot(table, { tracebackLimit: 64, interval: 1, timestamp: Date.now() });
}

function median(fn) {
  fn(); // warm-up: JIT, zlib's first allocation
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

function sameColumns(a, b) {
  for (const key of Object.keys(a.table)) {
    if (key === 'strings') continue;
    if (!Buffer.from(a.table[key].buffer).equals(Buffer.from(b.table[key].buffer))) return false;
  }
  return JSON.stringify(a.table.strings) === JSON.stringify(b.table.strings);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-bench-'));
const rows = [];
try {
  for (const samples of [100_000, 1_000_000]) {
    const snapshot = syntheticTable(samples);
    const file = path.join(dir, `bench-${samples}.ntm`);
    const bytes = encodeSnapshot(snapshot);
    if (!sameColumns(snapshot, decodeSnapshot(bytes))) throw new Error('round trip is not lossless');
    const encode = median(() => encodeSnapshot(snapshot));
    const dump = median(() => dumpSnapshot(snapshot, file));
    const load = median(() => loadSnapshot(file));
    const decode = median(() => decodeSnapshot(bytes));
    const size = fs.statSync(file).size;
    rows.push([samples.toLocaleString('en-US'), encode, dump, load, decode, size, size / samples]);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const ms = (t) => `${t.toFixed(1)} ms`;
const machine = `Node ${process.version}, ${os.cpus()[0].model}, median of ${RUNS}`;
console.log(`${machine}; ${FRAMES} frames, ${STACKS} stacks, zlib level 1 (the default)\n`);
console.log('| traces | encode | dump (write + fsync) | load (file) | decode (buffer) | file size | bytes/trace |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const [n, encode, dump, load, decode, size, perTrace] of rows) {
  const mib = `${(size / 1048576).toFixed(2)} MiB`;
  console.log(`| ${n} | ${ms(encode)} | ${ms(dump)} | ${ms(load)} | ${ms(decode)} | ${mib} | ${perTrace.toFixed(2)} |`);
}
