// The seed's walkthrough, in Node: an object holding 100 random bytes, made
// 100 × 100 times and kept. Shows the top 3 differences between two
// snapshots and the full traceback of the biggest offender.
//
//   node examples/waste-memory.js
'use strict';
const crypto = require('node:crypto');
const tracemalloc = require('..');

class MyObject {
  constructor() {
    this.data = crypto.randomBytes(100);
  }
}

function getData() {
  const values = [];
  for (let i = 0; i < 100; i++) values.push(new MyObject());
  return values;
}

function run() {
  const kept = [];
  for (let i = 0; i < 100; i++) kept.push(getData());
  return kept;
}

// Once V8 optimizes getData it inlines the small constructor into it (TurboFan
// and, from Node 24, Maglev) and charges the constructor's allocations to
// getData: the constructor's frame vanishes. `inlining: false` (the default
// in exact mode, said here to show it) turns V8's inlining off before the
// code gets hot, so every frame stays; `true` shows what an optimized
// program reports instead.
tracemalloc.start(25, { inlining: false });
const snapshot1 = tracemalloc.takeSnapshot();
const data = run();
const snapshot2 = tracemalloc.takeSnapshot();

console.log(`[ Top 3 differences ] (${snapshot2.exact ? 'exact' : `estimated, interval ${snapshot2.interval} B`})`);
for (const stat of snapshot2.compareTo(snapshot1, 'lineno').slice(0, 3)) console.log(String(stat));

// The biggest offender among the tracebacks that pass through our code.
const mine = snapshot2.filterTraces([new tracemalloc.Filter(true, __filename, undefined, true)]);
const biggest = mine.compareTo(snapshot1, 'traceback')[0];
console.log('');
console.log(`[ Biggest offender ] ${biggest.count} memory blocks: ${(biggest.size / 1024).toFixed(1)} KiB`);
for (const line of biggest.traceback.format()) console.log(line);
console.log(`\n(${data.length * data[0].length} objects kept)`);
