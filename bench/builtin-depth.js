#!/usr/bin/env node
// How many frames beyond the traceback limit V8 must record so that a sample
// taken inside a builtin (split, map, push, new Map, set: frames without a
// script) still reaches the scripted frame that called it, and what each
// extra frame costs per sample. Chooses the bound node-tracemalloc uses
// (BUILTIN_FRAMES in native/sampler.h).
//
//   npm run build:ts && node bench/builtin-depth.js
//
// 1. Leaf builtins: every workload traced exactly (interval 1) at 64 frames;
//    for each sample, how many frames without a script lie between the
//    allocation and the nearest frame with a script. Exact counts.
// 2. Cost per sample of recording depth d: @datadog/pprof's heap.start
//    (interval, d) drives V8's sampler at exactly depth d (no bound of ours
//    added), at 256 B, in a program whose stack is 64 frames deep at every
//    allocation (so every frame asked for is walked). Per sample:
//    (traced − untraced ms) / (bytes allocated / interval), bytes from our GC
//    counter. Estimated; median of REPS interleaved fresh processes.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const REPS = Number(process.env.BENCH_REPS || 7);
const DEPTHS = [1, 2, 3, 4, 6, 8, 16, 32];
const STACK = 64;
const INTERVAL = 256; // bytes: many samples per run, so their cost stands out of the noise // frames of recursion above every allocation in the cost runs
const LEAF_WORKLOADS = [
  'inventory',
  'builtinMix',
  'builtinZoo',
  'smallObjects',
  'stringBuilding',
  'mapChurn',
  'jsonRoundTrip',
  'tscCompile',
];
const COST_WORKLOADS = ['builtinMix', 'tscCompile'];

// Allocations made inside builtins, the kinds issue 11 names.
const kept = new Array(256).fill(null);
function builtinMix(n) {
  let total = 0;
  const line = 'a,bb,ccc,dddd,eeeee';
  for (let i = 0; i < n / 8; i++) {
    const parts = line.split(',');
    const lengths = parts.map((p) => p.length);
    const list = [];
    for (let j = 0; j < 6; j++) list.push({ j });
    const map = new Map();
    map.set(i, lengths);
    kept[i & 255] = [map, list];
    total += lengths.length;
  }
  return total;
}

// Many builtins that allocate, each called from a scripted function of its
// own: iterators, promises, regexps, typed arrays, collections.
const ZOO = {
  arrayFromValues: () =>
    Array.from(
      new Map([
        [1, 2],
        [3, 4],
      ]).values(),
    ),
  spreadSet: () => [...new Set([1, 2, 3, 4])],
  objectEntries: () => Object.entries({ a: 1, b: 2 }),
  fromEntries: () =>
    Object.fromEntries([
      ['a', 1],
      ['b', 2],
    ]),
  jsonParse: () => JSON.parse('{"a":[1,2,{"b":"c"}]}'),
  replaceFn: () => 'a-b-c'.replace(/-/g, () => '+'),
  sort: () => [3, 1, 2, 5, 4, 7, 6, 8, 9, 10, 11, 12].sort((a, b) => a - b),
  flatMap: () => [1, 2, 3].flatMap((x) => [x, x]),
  setOfIterator: () => new Set([1, 2, 3].values()),
  mapOfEntries: () => new Map([1, 2, 3].entries()),
  matchAll: () => [...'a1b2c3'.matchAll(/\d/g)],
  stringIterator: () => Array.from('héllo'),
  filterMap: () => [1, 2, 3, 4].filter((x) => x > 1).map((x) => ({ x })),
  applyConcat: () => [].concat.apply([], [[1], [2]]),
  reflectKeys: () => Reflect.ownKeys({ a: 1, [Symbol.iterator]: 2 }),
  regexpExec: () => /(\w)(\d)/.exec('a1'),
  localeString: () => (1234.5).toLocaleString('en-US'),
  typedMap: () => new Uint8Array([1, 2, 3]).map((x) => x * 2),
  promiseAll: () => Promise.all([Promise.resolve(1), 2]),
  promiseAllSettled: () => Promise.allSettled([Promise.resolve(1)]),
  asyncAwait: () => (async () => [await null])(),
  generatorSpread: () => [
    ...(function* () {
      yield {};
    })(),
  ],
  restDestructure: () => {
    const [, ...rest] = [1, 2, 3, 4];
    return rest;
  },
  weakMapSet: () => new WeakMap().set({}, [1]),
  padStart: () => 'x'.padStart(40, 'ab'),
  join: () => ['a', 'b', 'c'].join('-'),
  assign: () => Object.assign({}, { a: 1 }, { b: 2 }),
  arrayFromLength: () => Array.from({ length: 5 }, (_, i) => ({ i })),
};
function builtinZoo(n) {
  let total = 0;
  for (let i = 0; i < n / 200; i++) {
    for (const make of Object.values(ZOO)) kept[total++ & 255] = make();
  }
  return total;
}

function workload(name) {
  if (name === 'builtinMix') return builtinMix;
  if (name === 'builtinZoo') return builtinZoo;
  if (name === 'inventory') {
    const { runInventory } = require('../examples/app/inventory');
    return (n) => runInventory(Math.max(1000, Math.round(n / 50))).records.length;
  }
  return require('./workloads')[name];
}

// Runs fn with `depth` frames of recursion above it.
function deep(depth, fn) {
  return depth <= 0 ? fn() : deep(depth - 1, fn) + 0;
}

function leafChild(name, n) {
  const tm = require(path.join(process.env.NTM_BENCH_PKG, 'dist', 'tracer', 'tracemalloc'));
  const run = workload(name);
  run(Math.min(n, 20000));
  // Every allocation, collected ones included: the shares are of all allocations made.
  tm.startNative(64, 1, true);
  run(n);
  const snapshot = tm.takeSnapshot({ gc: false });
  tm.stop();
  const t = snapshot.table;
  const scriptless = (frame) => t.frameScriptId[frame] <= 0 && t.strings[t.frameFile[frame]] === '';
  // histogram[k]: samples with k scriptless frames before the nearest scripted one; 'none': no scripted frame recorded.
  const histogram = {};
  for (let i = 0; i < t.sampleStack.length; i++) {
    let k = 0;
    let s = t.sampleStack[i];
    while (s >= 0 && s < t.stackFrame.length && scriptless(t.stackFrame[s])) {
      k++;
      s = t.stackParent[s];
    }
    const key = s >= 0 && s < t.stackFrame.length ? String(k) : 'none';
    histogram[key] = (histogram[key] || 0) + 1;
  }
  return { samples: t.sampleStack.length, histogram };
}

function costChild(name, depth, n) {
  const { native } = require(path.join(process.env.NTM_BENCH_PKG, 'dist', 'tracer', 'native'));
  const { heap } = require('@datadog/pprof');
  const run = workload(name);
  const b = native();
  const timed = () => {
    const t0 = process.hrtime.bigint();
    deep(STACK, () => run(n));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  deep(STACK, () => run(Math.min(n, 20000))); // warm up
  timed();
  // Fastest of three untraced and three traced runs, alternated: the least
  // disturbed by other jobs on the box.
  let off = Infinity;
  let on = Infinity;
  let samples = 0;
  for (let i = 0; i < 3; i++) {
    off = Math.min(off, timed());
    // The counters never reset: the window is the difference of two reads.
    const before = b.heapCounters().allocated;
    heap.start(INTERVAL, depth);
    const ms = timed();
    const allocated = b.heapCounters().allocated - before;
    heap.stop();
    if (ms < on) [on, samples] = [ms, allocated / INTERVAL];
  }
  return { off, on, samples };
}

const { median } = require('./overhead');

function child(args) {
  const result = spawnSync(process.execPath, [__filename, '--child', ...args], {
    encoding: 'utf8',
    cwd: path.join(__dirname, '..'),
  });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

function main() {
  packageRoot();
  const out = [];
  out.push(`Node ${process.version}, V8 ${process.versions.v8}.`, '');
  out.push('### Frames without a script between an allocation and its nearest scripted frame');
  out.push('');
  out.push('Exact (interval 1), 64 frames recorded; share of samples (all samples counted).');
  out.push('');
  out.push('| workload | samples | 0 | 1 | 2 | 3 | 4 | 5+ | no scripted frame |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let worst = 0;
  for (const name of LEAF_WORKLOADS) {
    const r = child(['leaf', name, name === 'tscCompile' ? '250000' : '200000']);
    const share = (k) => ((r.histogram[k] || 0) / r.samples) * 100;
    let fivePlus = 0;
    for (const [k, v] of Object.entries(r.histogram)) if (k !== 'none' && Number(k) >= 5) fivePlus += v;
    for (const k of Object.keys(r.histogram)) if (k !== 'none') worst = Math.max(worst, Number(k));
    const pct = (x) => `${x.toFixed(3)}%`;
    out.push(
      `| ${name} | ${r.samples} | ${pct(share('0'))} | ${pct(share('1'))} | ${pct(share('2'))} | ${pct(share('3'))} | ${pct(share('4'))} | ${pct((fivePlus / r.samples) * 100)} | ${pct(share('none'))} |`,
    );
    process.stderr.write('.');
  }
  out.push('', `Longest run of frames without a script seen before a scripted frame: ${worst}.`, '');

  out.push('### Cost per sample of recording depth');
  out.push('');
  out.push(
    `µs per sample at ${INTERVAL} B, V8 depth d (@datadog/pprof's heap.start(${INTERVAL}, d)), stack ${STACK} frames deep at every`,
    `allocation; estimated, median of ${REPS} interleaved fresh processes; "+/frame" is (cost(d) − cost(1)) / (d − 1).`,
    '',
  );
  out.push(`| workload | ${DEPTHS.map((d) => `d = ${d}`).join(' | ')} | +/frame (d = 8) |`);
  out.push(`| --- | ${DEPTHS.map(() => '---:').join(' | ')} | ---: |`);
  for (const name of COST_WORKLOADS) {
    const n = name === 'tscCompile' ? 250000 : 400000;
    const raw = Object.fromEntries(DEPTHS.map((d) => [d, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const d of rep % 2 ? [...DEPTHS].reverse() : DEPTHS)
        raw[d].push(child(['cost', name, String(d), String(n)]));
      process.stderr.write('.');
    }
    const cost = Object.fromEntries(
      DEPTHS.map((d) => [d, median(raw[d].map((r) => ((r.on - r.off) * 1000) / r.samples))]),
    );
    out.push(
      `| ${name} | ${DEPTHS.map((d) => cost[d].toFixed(2)).join(' | ')} | ${((cost[8] - cost[1]) / 7).toFixed(3)} |`,
    );
  }
  process.stderr.write('\n');
  console.log(out.join('\n'));
}

if (process.argv[2] === '--child') {
  const [kind, name, a, b] = process.argv.slice(3);
  const result = kind === 'leaf' ? leafChild(name, Number(a)) : costChild(name, Number(a), Number(b));
  console.log(JSON.stringify(result));
} else {
  main();
}
