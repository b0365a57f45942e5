// One timed run of one workload under one tool, in a fresh process.
//   node overhead-child.js <workload> <tool> <interval> <frames> <n> <when>
// tool: off | ours | pprof | inspector | counter (our GC accounting only);
// --heap-prof runs are `off` with Node's flags, timed whole-process by the
// parent. when: `late` starts the tool after warm-up (in-process timing),
// `early` before anything else (whole-process comparisons with --heap-prof).
// Prints JSON: { ms, peakRssDeltaMB, allocated?, loadMs (require + start of the tool) }.
// NTM_BENCH_NO_INLINING=1 turns V8's inlining off first thing (bench/inlining.js),
// as `tracemalloc run` and register do; otherwise V8 inlines, whatever the tool.
'use strict';
const rssAtStart = process.memoryUsage().rss;
const path = require('node:path');
const pkg = process.env.NTM_BENCH_PKG || path.join(__dirname, '..');
const inlining = process.env.NTM_BENCH_NO_INLINING !== '1';
if (!inlining) require(path.join(pkg, 'dist', 'tracer', 'inlining.js')).disableInlining();

const [name, tool, intervalArg, framesArg, nArg, when] = process.argv.slice(2);
const n = Number(nArg);
const interval = Number(intervalArg);
const frames = Number(framesArg);

let stopTool = () => {};
let loadMs = 0;
function startTool() {
  const t0 = process.hrtime.bigint();
  startToolNow();
  loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
}
function startToolNow() {
  if (tool === 'ours') {
    const tm = require(pkg);
    tm.start(frames, { interval, inlining });
    stopTool = () => tm.stop();
  } else if (tool === 'pprof') {
    const { heap } = require('@datadog/pprof');
    heap.start(interval, frames); // pprof's own API: (intervalBytes, stackDepth)
    stopTool = () => heap.stop();
  } else if (tool === 'inspector') {
    // HeapProfiler.startSampling takes no depth: V8's inspector always records 128 frames.
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: interval }, (err) => {
      if (err) throw err;
    });
    stopTool = () => session.post('HeapProfiler.stopSampling', () => {});
  } else if (tool === 'counter') {
    // Loading the addon installs its GC prologue/epilogue callbacks: that is
    // all the GC-accounting counter costs. No sampler runs.
    const { native } = require(path.join(pkg, 'dist', 'tracer', 'native'));
    const b = native();
    // The counters never reset: the window is the difference of two reads.
    const start = b.heapCounters().allocated;
    stopTool = () => b.heapCounters().allocated - start;
  } else if (tool !== 'off') {
    throw new Error(`unknown tool ${tool}`);
  }
}

if (when === 'early') startTool();
const workloads = require('./workloads');
workloads[name](Math.min(n, 20000)); // warm up the code before timing
const rssBefore = process.memoryUsage().rss;
if (when !== 'early') startTool();
const t0 = process.hrtime.bigint();
const result = workloads[name](n);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
// Peak resident set of the whole run minus what was resident before the timed part.
const peakRssDeltaMB = (process.resourceUsage().maxRSS * 1024 - (when === 'early' ? rssAtStart : rssBefore)) / 1048576;
const allocated = stopTool();
console.log(JSON.stringify({ ms, peakRssDeltaMB, allocated, loadMs, result }));
