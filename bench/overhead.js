#!/usr/bin/env node
// Overhead of tracing, ours against the peers at the same settings: wall time
// traced / untraced for each workload, each run in a fresh process, every
// setting once per round (rounds interleaved, order shuffled per round),
// median of REPS with min–max, and peak RSS over the untraced run.
//
//   ours, @datadog/pprof   heap.start(interval, depth): the same V8 call, same settings
//   inspector              HeapProfiler.startSampling: V8's inspector fixes depth at 128
//   node --heap-prof       whole process, depth 128: compared on whole-process wall
//                          time against ours started first thing at depth 128
//   GC counter             our addon's GC callbacks alone (allocatedBytes), no sampler
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const REPS = Number(process.env.BENCH_REPS || 7);
const N = Number(process.env.BENCH_N || 1000000);
const WORKLOADS = (
  process.env.BENCH_WORKLOADS || 'smallObjects,stringBuilding,mapChurn,jsonRoundTrip,tscCompile'
).split(',');
const KiB = 1024;
// Every interval at depth 1, and every depth at 8 KiB (where depth costs most
// among the sampled settings: enough samples for it to show).
const SETTINGS = [
  { label: '512 KiB, 1', interval: 512 * KiB, frames: 1 },
  { label: '64 KiB, 1', interval: 64 * KiB, frames: 1 },
  { label: '8 KiB, 1', interval: 8 * KiB, frames: 1 },
  { label: '1 KiB, 1', interval: KiB, frames: 1 },
  { label: 'exact, 1', interval: 1, frames: 1 },
  { label: '8 KiB, 16', interval: 8 * KiB, frames: 16 },
  { label: '8 KiB, 64', interval: 8 * KiB, frames: 64 },
];
// The inspector and --heap-prof record 128 frames whatever we ask.
const DEEP = [
  { label: '512 KiB, 128', interval: 512 * KiB, frames: 128 },
  { label: '8 KiB, 128', interval: 8 * KiB, frames: 128 },
];
// (exact at 128 frames is left out: 3 more runs of 10-100× per round would
// break the 15-minute budget of `npm run bench` on 2 cores.)

const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-heap-prof-'));

function once(run) {
  const args = [];
  if (run.tool === 'heapprof') {
    args.push('--heap-prof', `--heap-prof-interval=${run.interval}`, `--heap-prof-dir=${profDir}`);
  }
  const tool = run.tool === 'heapprof' ? 'off' : run.tool;
  args.push(
    path.join(__dirname, 'overhead-child.js'),
    run.workload,
    tool,
    String(run.interval),
    String(run.frames),
    String(N),
    run.when,
  );
  const t0 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: path.join(__dirname, '..') });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed:\n${child.stderr}`);
  for (const f of fs.readdirSync(profDir)) fs.rmSync(path.join(profDir, f));
  return { ...JSON.parse(child.stdout.trim().split('\n').pop()), wallMs };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function plan(workload) {
  const runs = [{ key: 'off', tool: 'off', interval: 1, frames: 1, when: 'late' }];
  runs.push({ key: 'counter', tool: 'counter', interval: 1, frames: 1, when: 'late' });
  for (const s of SETTINGS) {
    runs.push({ key: `ours ${s.label}`, tool: 'ours', ...s, when: 'late' });
    runs.push({ key: `pprof ${s.label}`, tool: 'pprof', ...s, when: 'late' });
  }
  for (const s of DEEP) {
    runs.push({ key: `ours ${s.label}`, tool: 'ours', ...s, when: 'early' });
    runs.push({ key: `inspector ${s.label}`, tool: 'inspector', ...s, when: 'early' });
    runs.push({ key: `heapprof ${s.label}`, tool: 'heapprof', ...s, when: 'early' });
  }
  return runs.map((r) => ({ ...r, workload }));
}

// Deterministic shuffle (no Math.random: reruns take the same order).
function shuffled(xs, seed) {
  const out = [...xs];
  let x = seed * 2654435761 + 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function measure(log = (s) => process.stderr.write(s)) {
  packageRoot();
  const results = {};
  for (const workload of WORKLOADS) {
    const runs = plan(workload);
    const raw = Object.fromEntries(runs.map((r) => [r.key, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const run of shuffled(runs, rep + 1)) raw[run.key].push(once(run));
      log('.');
    }
    const off = raw.off;
    const baseMs = median(off.map((r) => r.ms));
    const baseWall = median(off.map((r) => r.wallMs));
    const baseRss = median(off.map((r) => r.peakRssDeltaMB));
    const cells = {};
    for (const [key, rs] of Object.entries(raw)) {
      const ms = rs.map((r) => r.ms / baseMs);
      const wall = rs.map((r) => r.wallMs / baseWall);
      cells[key] = {
        ratio: median(ms),
        min: Math.min(...ms),
        max: Math.max(...ms),
        wallRatio: median(wall),
        wallMin: Math.min(...wall),
        wallMax: Math.max(...wall),
        rssMB: median(rs.map((r) => r.peakRssDeltaMB)) - baseRss,
        allocated: rs[0].allocated,
        loadMs: median(rs.map((r) => r.loadMs ?? 0)),
        // Per round, for paired comparisons (runs of one round ran back to back).
        roundMs: rs.map((r) => r.ms),
        roundWall: rs.map((r) => r.wallMs),
      };
    }
    results[workload] = { baseMs, baseWall, cells };
    log(` ${workload}\n`);
  }
  fs.rmSync(profDir, { recursive: true, force: true });
  return results;
}

const fmt = (c) => `${c.ratio.toFixed(2)}× (${c.min.toFixed(2)}–${c.max.toFixed(2)})`;
const fmtWall = (c) => `${c.wallRatio.toFixed(2)}× (${c.wallMin.toFixed(2)}–${c.wallMax.toFixed(2)})`;

function table(results, columns, cell, firstCols = ['untraced ms', (r) => r.baseMs.toFixed(1)]) {
  const lines = [
    `| workload | ${firstCols[0]} | ${columns.map((c) => c.label).join(' | ')} |`,
    `| --- | ---: | ${columns.map(() => '---:').join(' | ')} |`,
  ];
  for (const [workload, r] of Object.entries(results)) {
    lines.push(`| ${workload} | ${firstCols[1](r)} | ${columns.map((c) => cell(r.cells, c)).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Our own table: what docs/performance.md quotes. */
function oursMarkdown(results) {
  return [
    `Wall time traced / untraced, in-process, tracing started after warm-up. Median of ${REPS} interleaved runs in fresh`,
    `processes (min–max in brackets), n = ${N}. Columns: interval, frames.`,
    '',
    table(results, SETTINGS, (cells, s) => fmt(cells[`ours ${s.label}`])),
  ].join('\n');
}

/**
 * Verdicts, paired by round: within a round every setting ran back to back,
 * so ours / peer per round cancels most of the load drift of a shared box.
 * Ours counts as slower only when the median paired ratio exceeds 1.05 AND
 * ours was the slower one in at least 80% of the rounds.
 */
function compare(results) {
  const worse = [];
  const rows = [];
  const check = (workload, label, ours, peer, name, field = 'roundMs') => {
    const ratios = ours[field].map((x, i) => x / peer[field][i]);
    const slower = ratios.filter((x) => x > 1).length / ratios.length;
    const paired = median(ratios);
    const isWorse = paired > 1.05 && slower >= 0.8;
    rows.push({ workload, label, name, paired, slower });
    if (isWorse)
      worse.push(
        `${workload} at ${label}: ours / ${name} = ${paired.toFixed(2)} (ours slower in ${Math.round(slower * ratios.length)} of ${ratios.length} rounds)`,
      );
  };
  for (const [workload, r] of Object.entries(results)) {
    for (const s of SETTINGS)
      check(workload, s.label, r.cells[`ours ${s.label}`], r.cells[`pprof ${s.label}`], '@datadog/pprof');
    for (const s of DEEP) {
      check(workload, s.label, r.cells[`ours ${s.label}`], r.cells[`inspector ${s.label}`], 'inspector');
      check(
        workload,
        `${s.label} (whole process)`,
        r.cells[`ours ${s.label}`],
        r.cells[`heapprof ${s.label}`],
        '--heap-prof',
        'roundWall',
      );
    }
  }
  return { worse, cells: rows.length, rows };
}

function toMarkdown(results) {
  const { worse, cells } = compare(results);
  const parts = [
    '### node-tracemalloc',
    '',
    oursMarkdown(results),
    '',
    '### @datadog/pprof at the same settings',
    '',
    '`heap.start(interval, depth)`, same runs, same rounds.',
    '',
    table(results, SETTINGS, (c, s) => fmt(c[`pprof ${s.label}`])),
    '',
    '### Peak RSS over the untraced run, MB (ours / pprof)',
    '',
    table(
      results,
      SETTINGS,
      (c, s) => `${c[`ours ${s.label}`].rssMB.toFixed(1)} / ${c[`pprof ${s.label}`].rssMB.toFixed(1)}`,
      ['untraced peak Δ MB', () => '0'],
    ),
    '',
    '### 128 frames: the inspector (in-process) and `node --heap-prof` (whole process)',
    '',
    "V8's inspector (`HeapProfiler.startSampling`, which `--heap-prof` uses too) always records 128 frames, so",
    'ours runs at 128 here; every tool starts first thing in the process. In-process: wall time of the workload.',
    'Whole process: spawn to exit of the whole child (startup, warm-up, workload, and for --heap-prof writing',
    'its profile at exit), over the untraced child.',
    '',
    table(
      results,
      DEEP.flatMap((s) => [
        { label: `ours ${s.label}`, key: `ours ${s.label}` },
        { label: `inspector ${s.label}`, key: `inspector ${s.label}` },
      ]),
      (c, col) => fmt(c[col.key]),
    ),
    '',
    table(
      results,
      DEEP.flatMap((s) => [
        { label: `ours ${s.label}`, key: `ours ${s.label}` },
        { label: `--heap-prof ${s.label}`, key: `heapprof ${s.label}` },
      ]),
      (c, col) => fmtWall(c[col.key]),
      ['untraced wall ms', (r) => r.baseWall.toFixed(0)],
    ),
    '',
    '### GC-accounting counter alone (no sampler)',
    '',
    table(results, [{ label: 'counter on / off' }], (c) => fmt(c.counter)),
    '',
    `Loading node-tracemalloc (\`require\` + \`start()\`, inside the whole-process time above): ` +
      Object.entries(results)
        .map(([w, r]) => `${w} ${r.cells['ours 512 KiB, 128'].loadMs.toFixed(0)} ms`)
        .join(', ') +
      '.',
    '',
    `**Against the peers** (paired by round: ours / peer in each round, median): ours was slower by more than 5% in ` +
      `at least 80% of rounds in ${worse.length} of ${cells} comparisons` +
      (worse.length ? ':\n\n' + worse.map((w) => `- ${w}`).join('\n') : '.'),
  ];
  return parts.join('\n');
}

module.exports = { measure, median, toMarkdown, oursMarkdown, compare, SETTINGS, DEEP, REPS };

if (require.main === module) {
  const results = measure();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else console.log(toMarkdown(results));
}

/**
 * Per-sample cost implied by the overhead table: (traced − untraced time) /
 * expected samples, where samples ≈ bytes allocated (GC counter run) /
 * interval. Exact mode is left out (there a sample is an object, not bytes).
 */
function sampleCosts(results) {
  const rows = [];
  for (const [workload, r] of Object.entries(results)) {
    const allocated = r.cells.counter.allocated;
    if (!allocated) continue;
    const costs = SETTINGS.filter((s) => s.interval > 1).map((s) => {
      const c = r.cells[`ours ${s.label}`];
      const samples = allocated / s.interval;
      return { label: s.label, samples, micros: ((c.ratio - 1) * r.baseMs * 1000) / samples };
    });
    rows.push({ workload, rateMBs: allocated / 1048576 / (r.baseMs / 1000), costs });
  }
  return rows;
}

function sampleCostMarkdown(results) {
  const rows = sampleCosts(results);
  const labels = SETTINGS.filter((s) => s.interval > 1).map((s) => s.label);
  const lines = [
    'Implied cost of one sample, µs: (median traced − untraced time) / (bytes allocated in the run, from the GC',
    'counter / interval). Noise dominates where few samples are taken (512 KiB: tens of samples per run), so read',
    'the 8 KiB and 1 KiB columns; negative values are noise.',
    '',
    `| workload | allocation rate MB/s | ${labels.join(' | ')} |`,
    `| --- | ---: | ${labels.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.workload} | ${row.rateMBs.toFixed(0)} | ${row.costs.map((c) => `${c.micros.toFixed(1)} (${Math.round(c.samples)} samples)`).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

module.exports.sampleCosts = sampleCosts;
module.exports.sampleCostMarkdown = sampleCostMarkdown;
