// Agreement of the GC-accounting counter with exact totals, one workload, in
// a fresh process: interval 1 keeping collected samples (every allocation
// since start, dead or alive), against heapCounters().allocated over the
// same window. Prints JSON { counter, exact, samples }.
'use strict';
const path = require('node:path');
const workloads = require('./workloads');
const pkg = process.env.NTM_BENCH_PKG || path.join(__dirname, '..');
const tm = require(path.join(pkg, 'dist', 'tracer', 'tracemalloc.js'));
const { native } = require(path.join(pkg, 'dist', 'tracer', 'native.js'));

const [name, nArg] = process.argv.slice(2);
const n = Number(nArg);
workloads[name](Math.min(n, 20000));
const b = native();
tm.startNative(1, 1, true); // also restarts the counter's window
workloads[name](n);
const counter = b.heapCounters().allocated; // read before the snapshot allocates
const snap = tm.takeSnapshot({ gc: false });
console.log(JSON.stringify({ counter, exact: snap.totalSize, samples: snap.table.sampleStack.length }));
