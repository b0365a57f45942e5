// Snapshot cost with N live samples, for one tool, in a fresh process.
//   node --expose-gc snapshot-child.js <tool> <n> <reps>
// <tool>: off, ours, pprof, inspector (bench/snapshot.js), analysis (bench/analysis.js).
// Exact mode (interval 1): N objects are allocated by 1000 generated
// functions (200 allocation sites × 5 callers, 8 object sizes), kept alive,
// and garbage collected away before timing, so every tool sees ~N live
// samples spread over realistic stacks. Prints JSON of median ms per
// operation, sample counts, and RSS deltas.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pkg = process.env.NTM_BENCH_PKG || path.join(__dirname, '..');

const [tool, nArg, repsArg] = process.argv.slice(2);
const N = Number(nArg);
const REPS = Number(repsArg);
const FRAMES = 16;

// Allocation sites in a real file, so frames have a script and lines.
const SITES = 200;
const CALLERS = 5;
let code = "'use strict';\n";
for (let s = 0; s < SITES; s++) {
  code += `function site${s}(k) {\n  switch (k & 7) {\n`;
  for (let j = 0; j < 8; j++) {
    const props = Array.from({ length: j + 1 }, (_, p) => `p${p}: k`).join(', ');
    code += `    case ${j}: return { ${props} };\n`;
  }
  code += '  }\n}\n';
}
code += `const sites = [${Array.from({ length: SITES }, (_, s) => `site${s}`).join(', ')}];\n`;
for (let c = 0; c < CALLERS; c++) {
  code += `function caller${c}(out, from, to) { for (let i = from; i < to; i++) out[i] = sites[i % ${SITES}](i); }\n`;
}
code += `module.exports = function fill(out) {\n  const callers = [${Array.from({ length: CALLERS }, (_, c) => `caller${c}`).join(', ')}];\n`;
code += `  const chunk = 1000;\n  for (let i = 0; i < out.length; i += chunk) callers[(i / chunk) % ${CALLERS}](out, i, Math.min(out.length, i + chunk));\n};\n`;
const file = path.join(os.tmpdir(), `ntm-bench-sites-${process.pid}.js`);
fs.writeFileSync(file, code);
const fill = require(file);
fs.rmSync(file);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Each run's ms, in order (the first one cold). */
const times = (fn) => timesOf(REPS, fn);
function timesOf(reps, fn) {
  const ms = [];
  for (let r = 0; r < reps; r++) {
    global.gc();
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}
const time = (fn) => median(times(fn));

const out = {};
let binding;
let tm;
let session;
let pprof;
if (tool === 'ours' || tool === 'analysis') {
  tm = require(path.join(pkg, 'dist', 'tracer', 'tracemalloc.js'));
  binding = require(path.join(pkg, 'dist', 'tracer', 'native.js')).native();
  tm.start(FRAMES, { interval: 1 });
} else if (tool === 'pprof') {
  pprof = require('@datadog/pprof');
  pprof.heap.start(1, FRAMES);
} else if (tool === 'inspector') {
  session = new (require('node:inspector').Session)();
  session.connect();
  session.post('HeapProfiler.startSampling', { samplingInterval: 1 });
}
// Off too: the baseline for memory per sample.
global.gc();
const rss0 = process.memoryUsage().rss;
const keep = new Array(N);
fill(keep);
global.gc();
const rss1 = process.memoryUsage().rss;
out.rssDeltaPerObject = (rss1 - rss0) / N;

if (tool === 'ours') {
  out.samples = binding.profileSize().samples;
  // V8's floor: GetAllocationProfile (a deep copy of the profile) and a walk
  // of its nodes, nothing converted.
  out.floor = time(() => binding.profileSize());
  out.snapshot = time(() => tm.takeSnapshot({ gc: false }));
  out.snapshotTop10 = time(() => tm.takeSnapshot({ gc: false }).statistics('lineno').slice(0, 10));
  const ab0 = process.memoryUsage().arrayBuffers;
  const snap = tm.takeSnapshot({ gc: false });
  out.traces = snap.table.sampleStack.length;
  out.tableBytesPerTrace = (process.memoryUsage().arrayBuffers - ab0) / out.traces;
  // Diagnostic: the same statistics with the sampler stopped, on a fresh
  // Snapshot object (nothing cached), to separate its own CPU cost from the
  // cost of V8 sampling its allocations at interval 1.
  const { Snapshot } = require(path.join(pkg, 'dist', 'model', 'snapshot.js'));
  tm.stop();
  out.top10Untraced = time(() =>
    new Snapshot(snap.table, { tracebackLimit: FRAMES, interval: 1 }).statistics('lineno').slice(0, 10),
  );
} else if (tool === 'analysis') {
  // bench/analysis.js: the analysis step while tracing against the same
  // step with tracing stopped, and against GetAllocationProfile alone. The
  // steps taken while tracing alternate, so that a busy spell of the shared
  // machine hits them alike; the traced step goes first, so its first run is
  // the cold one.
  out.samples = binding.profileSize().samples;
  const top10 = (snapshot) => snapshot.statistics('lineno').slice(0, 10);
  out.traced = [];
  out.snapshot = [];
  out.floor = [];
  for (let r = 0; r < REPS; r++) {
    out.traced.push(timesOf(1, () => top10(tm.takeSnapshot({ gc: false })))[0]);
    out.snapshot.push(timesOf(1, () => tm.takeSnapshot({ gc: false }))[0]);
    out.floor.push(timesOf(1, () => binding.profileSize())[0]);
  }
  const snap = tm.takeSnapshot({ gc: false });
  out.traces = snap.table.sampleStack.length;
  tm.stop();
  // A fresh Snapshot per run: nothing cached from the one before but the
  // per-stack sums, which takeSnapshot() gets from the binding (the same
  // work as the traced step, then).
  const { Snapshot } = require(path.join(pkg, 'dist', 'model', 'snapshot.js'));
  const sums = snap.stackTotals();
  out.stopped = times(() => {
    const fresh = new Snapshot(snap.table, snap.info);
    fresh.adoptStackTotals(sums);
    return top10(fresh);
  });
} else if (tool === 'pprof') {
  out.profile = time(() => pprof.heap.profile());
  out.profileEncode = time(() => pprof.encodeSync(pprof.heap.profile()));
  // profileV2 (pprof ≥ 5.x) converts inside a callback instead of first
  // building a JS copy of V8's tree.
  out.profileV2 = time(() => pprof.heap.profileV2());
} else if (tool === 'inspector') {
  // The main thread's session answers synchronously: the callback has run
  // when post() returns.
  out.getSamplingProfile = time(() => {
    let done = false;
    session.post('HeapProfiler.getSamplingProfile', (err, res) => {
      if (err) throw err;
      done = res.profile.samples.length > 0;
    });
    if (!done) throw new Error('getSamplingProfile did not answer synchronously');
  });
}
console.log(JSON.stringify(out));
