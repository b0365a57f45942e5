#!/usr/bin/env node
// The analysis cost targets of issue 13, exact mode (interval 1, 16 frames),
// on snapshot-child.js's generated program:
// - at 100k traces, `takeSnapshot()` + `statistics('lineno')` top 10 while
//   tracing costs at most 1.5× the same with tracing stopped (the snapshot
//   taken while tracing, the statistics of a fresh Snapshot of its table after
//   stop(): what is left once V8 no longer samples the tracer's own work);
// - at 1M traces, the same step while tracing stays within 1.5× of V8's
//   GetAllocationProfile alone (the binding's profileSize(): the call and a
//   walk of the nodes it returns, nothing converted).
// Each run is a fresh process doing a warm-up round and then WARM timings
// of each step, garbage collected before each; a run's figure is the median
// of its warm timings, and the table shows the median of the runs' figures
// with min–max. The warm-up round's traced step is shown apart ("cold"): V8
// has not optimized the tracer's loops yet, and the first
// GetAllocationProfile of a process maps its memory fresh.
//
//   npm run build:ts && node bench/analysis.js [--json]
//   BENCH_ANALYSIS_SIZES (default 100000,1000000), BENCH_RUNS (default 5) shrink it.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const SIZES = (process.env.BENCH_ANALYSIS_SIZES || '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const LIMIT = 1.5;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Warm timings per step and process (after one warm-up round). */
const warmReps = (n) => (n >= 1000000 ? 5 : 7);

function run(n) {
  const reps = warmReps(n) + 1;
  const child = path.join(__dirname, 'snapshot-child.js');
  const out = execFileSync(process.execPath, ['--expose-gc', child, 'analysis', String(n), String(reps)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  // The warm-up round (the first timing of each step) is left out.
  const warm = (xs) => median(xs.slice(1));
  const m = {
    traced: warm(r.traced),
    snapshot: warm(r.snapshot),
    floor: warm(r.floor),
    stopped: warm(r.stopped),
  };
  return {
    samples: r.samples,
    traces: r.traces,
    ...m,
    cold: r.traced[0],
    // Target 1: traced over (snapshot while tracing + statistics after stop()).
    vsStopped: m.traced / (m.snapshot + m.stopped),
    // Target 2: traced over GetAllocationProfile alone.
    vsFloor: m.traced / m.floor,
  };
}

/** One row per size: each figure's median over RUNS fresh processes, with the runs' min and max. */
function measure(log = (s) => process.stderr.write(s)) {
  packageRoot();
  const rows = [];
  for (const n of SIZES) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(run(n));
      log('.');
    }
    const row = { n, runs: runs.length };
    for (const key of Object.keys(runs[0])) {
      const xs = runs.map((r) => r[key]);
      row[key] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    }
    rows.push(row);
  }
  log('\n');
  return rows;
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const cell = (f, fmt = ms) => `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})`;
const times = (x) => `${x.toFixed(2)}×`;
const yes = (ok) => (ok ? '**holds**' : '**misses**');

/** The targets' verdicts, one line each (for the Targets section of bench/RESULTS.md). */
function verdicts(rows) {
  const lines = [];
  const at = (n) => rows.find((r) => r.n === n);
  const r100 = at(100000);
  if (r100) {
    const x = r100.vsStopped.median;
    lines.push(
      `- Snapshot + statistics(lineno) top 10 at 100k while tracing ≤ ${LIMIT}× the same with tracing stopped: ` +
        `${yes(x <= LIMIT)} (${times(x)}, median of ${r100.runs} runs; bench/analysis.js).`,
    );
  }
  const r1m = at(1000000);
  if (r1m) {
    const x = r1m.vsFloor.median;
    lines.push(
      `- Snapshot + statistics(lineno) top 10 at 1M while tracing within ${LIMIT}× of GetAllocationProfile alone: ` +
        `${yes(x <= LIMIT)} (${times(x)}, median of ${r1m.runs} runs; bench/analysis.js).`,
    );
  }
  return lines.join('\n');
}

function toMarkdown(rows) {
  return [
    `Exact mode (interval 1), 16 frames, the program of bench/snapshot-child.js. ms; medians of ${rows[0]?.runs ?? RUNS}`,
    `fresh processes (min–max over them), each the median of ${warmReps(100000)} timings (${warmReps(1000000)} at 1M) after a warm-up round, garbage collected before each.`,
    '"Traced": `takeSnapshot({ gc: false })` + `statistics(\'lineno\').slice(0, 10)` while tracing. "Stopped":',
    'the same statistics on a fresh Snapshot of a snapshot\'s table after `stop()`, given the per-stack sums the binding made. "Cold": the first traced',
    "timing of each process (its warm-up round), before V8 has optimized the tracer's loops.",
    '',
    '| traces | traced | cold (first call) | takeSnapshot | statistics, stopped | GetAllocationProfile | traced / (takeSnapshot + stopped) | traced / GetAllocationProfile |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${Math.round(r.traces.median).toLocaleString('en-US')} | ${cell(r.traced)} | ${cell(r.cold)} | ${cell(r.snapshot)} | ` +
        `${cell(r.stopped)} | ${cell(r.floor)} | ${cell(r.vsStopped, times)} | ${cell(r.vsFloor, times)} |`,
    ),
    '',
    verdicts(rows),
  ].join('\n');
}

module.exports = { measure, toMarkdown, verdicts };

if (require.main === module) {
  const rows = measure();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : toMarkdown(rows));
}
