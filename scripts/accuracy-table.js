#!/usr/bin/env node
// Accuracy of measure() and allocationCounter() against hand-computed sizes
// of reference workloads. Prints two markdown tables: code optimized by
// TurboFan (after 100,000 warm-up calls) and code that never leaves V8's
// interpreter and baseline compiler (--max-opt=1). Each runs in a child
// process of its own.
//
//   npm run build:ts && node scripts/accuracy-table.js
//
// Sizes assume 64-bit V8 without pointer compression (Node's default): a
// tagged field is 8 bytes, objects are 8-byte aligned.
'use strict';
const { spawnSync } = require('node:child_process');

const WORD = 8;
const N = 1000; // objects in the array
const L = 100; // string length
const M = 100; // Map entries
const roundUp = (n) => Math.ceil(n / 8) * 8;

// OrderedHashMap::Allocate: FixedArray header (map, length), 3 counters
// (elements, deleted, buckets), capacity/2 buckets, 3 words per entry
// (key, value, chain); capacity 4, doubled whenever full.
function mapTables(entries) {
  const sizes = [];
  let capacity = 4;
  for (;;) {
    sizes.push(WORD * (2 + 3 + capacity / 2 + 3 * capacity));
    if (entries <= capacity) return sizes;
    capacity *= 2;
  }
}

// Each workload: fn, then the hand computation for optimized code (`opt`)
// and for unoptimized code (`base`) as [bytes, allocations, how].
function workloads() {
  const upper = 'A'.repeat(L);
  const upperTwoByte = '\u0100'.repeat(L);
  upper.charCodeAt(0); // flatten: repeat() builds a cons string
  upperTwoByte.charCodeAt(0);
  const lefts = ['l'.repeat(20), 'L'.repeat(20)];
  const right = 'r'.repeat(20);
  let flip = 0;
  const tables = mapTables(M);
  const tablesTotal = tables.reduce((a, b) => a + b, 0);
  const array = 4 * WORD + (2 + N) * WORD; // JSArray + FixedArray store
  return [
    {
      name: `array of ${N} { x: i }`,
      fn() {
        const a = new Array(N);
        for (let i = 0; i < N; i++) a[i] = { x: i };
        return a;
      },
      opt: [
        array + N * 4 * WORD,
        N + 2,
        `JSArray 32 + store 16+8·${N} + ${N}×32 (map, properties, elements, x); TurboFan folds the array, its store and the first object into one allocation`,
      ],
      base: [array + N * 6 * WORD, N + 1, `+16 B AllocationMemento per literal; array and store in one allocation`],
    },
    {
      name: 'object literal { a, b }',
      fn() {
        return { a: 1, b: 2 };
      },
      opt: [5 * WORD, 1, 'map, properties, elements, a, b'],
      base: [7 * WORD, 1, '+16 B AllocationMemento'],
    },
    {
      name: `one-byte string, length ${L}`,
      fn: () => upper.toLowerCase(),
      opt: [roundUp(16 + L), 1, `SeqOneByteString: roundUp8(16 + ${L})`],
      base: [roundUp(16 + L), 1, 'same'],
    },
    {
      name: `two-byte string, length ${L}`,
      fn: () => upperTwoByte.toLowerCase(),
      opt: [roundUp(16 + 2 * L), 1, `SeqTwoByteString: roundUp8(16 + 2·${L})`],
      base: [roundUp(16 + 2 * L), 1, 'same'],
    },
    {
      name: 'concatenation of two 20-char strings',
      fn() {
        flip ^= 1;
        return lefts[flip] + right;
      },
      opt: [4 * WORD, 1, 'ConsString: map, hash+length, first, second'],
      base: [4 * WORD, 1, 'same'],
    },
    {
      name: 'closure over one variable',
      fn() {
        let c = 0;
        return () => ++c;
      },
      opt: [
        5 * WORD + 7 * WORD,
        2,
        'Context 40 (map, length, scope info, previous, c) + arrow JSFunction 56; TurboFan folds the two',
      ],
      base: [5 * WORD + 7 * WORD, 2, 'same'],
    },
    {
      name: `Map of ${M} small-integer entries`,
      fn() {
        const m = new Map();
        for (let i = 0; i < M; i++) m.set(i, i);
        return m;
      },
      opt: [
        4 * WORD + tablesTotal,
        1 + tables.length,
        `JSMap 32 + tables ${tables.join(' + ')} (OrderedHashMap: 16 + 8·(3 + C/2 + 3C) for C = 4…${4 * 2 ** (tables.length - 1)})`,
      ],
      base: [4 * WORD + tablesTotal, 1 + tables.length, 'same'],
    },
    {
      name: 'Buffer.alloc(65536)',
      fn: () => Buffer.alloc(65536),
      opt: [11 * WORD + 12 * WORD, 2, 'JSArrayBuffer 88 + Uint8Array 96; the 64 KiB are off-heap'],
      base: [11 * WORD + 12 * WORD, 2, 'same, plus what Node allocates before its code is optimized'],
    },
  ];
}

function child(tier) {
  const tm = require('../dist/entries/measure');
  const warmup = tier === 'opt' ? 100_000 : 1_000;
  const rows = [];
  for (const w of workloads()) {
    const r = tm.measure(w.fn, { warmup, iterations: 100, retained: false });
    const calls = 10_000;
    const counter = tm.allocationCounter();
    for (let i = 0; i < calls; i++) w.fn();
    const counted = counter.bytes() / calls;
    const [bytes, allocs, how] = w[tier];
    rows.push({
      name: w.name,
      bytes,
      allocs,
      how,
      measured: r.bytesPerOp,
      measuredAllocs: r.allocsPerOp,
      exact: r.exact,
      counted,
    });
  }
  process.stdout.write(JSON.stringify(rows));
}

const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function table(title, rows) {
  const lines = [
    `### ${title}`,
    '',
    '| workload | expected B/op | measured B/op | expected allocs/op | measured allocs/op | allocationCounter B/op | counter error | how the expectation is computed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const error = ((r.counted - r.measured) / r.measured) * 100;
    const mark = r.exact ? '' : ' (not settled)';
    lines.push(
      `| ${r.name} | ${r.bytes} | ${fmt(r.measured)}${mark} | ${r.allocs} | ${fmt(r.measuredAllocs)} | ${r.counted.toFixed(1)} | ${error >= 0 ? '+' : ''}${error.toFixed(2)}% | ${r.how} |`,
    );
  }
  return lines.join('\n');
}

function run(tier, flags) {
  const result = spawnSync(process.execPath, [...flags, __filename, '--child', tier], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${tier} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else {
  const compression = process.config.variables.v8_enable_pointer_compression ? 'on' : 'off';
  console.log(
    `Node ${process.version}, V8 ${process.versions.v8}, ${process.arch}, pointer compression ${compression}; ` +
      'measure(): 100 calls per round; allocationCounter(): 10,000 untraced calls.\n',
  );
  console.log(table('Optimized code (TurboFan, after 100,000 warm-up calls)', run('opt', [])));
  console.log('');
  console.log(
    table('Unoptimized code (node --max-opt=1: interpreter and Sparkplug only)', run('base', ['--max-opt=1'])),
  );
}
