#!/usr/bin/env node
// `npm run bench`: runs every benchmark and regenerates bench/RESULTS.md.
// Figures in README and docs/performance.md come from that file; never type them by hand.
// Budget: under 15 minutes on 2 cores (BENCH_REPS, BENCH_N shrink it).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const overhead = require('./overhead');
const snapshot = require('./snapshot');
const counter = require('./counter');
const analysis = require('./analysis');

function section(title, body) {
  return `## ${title}\n\n${body.trim()}\n`;
}

function script(name) {
  process.stderr.write(`running bench/${name}...\n`);
  return execFileSync(process.execPath, [path.join(__dirname, name)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

const yes = (ok) => (ok ? '**holds**' : '**misses**');

/** The targets, checked against this run's numbers. */
function targets(ov, snaps, agreement, analysisRows) {
  const at = (n) => snaps.find((r) => r.n === n);
  const lines = [];
  const s100 = at(100000);
  if (s100) {
    const o = s100.ours;
    const vsPprof = s100.pprof.profile / o.snapshotTop10;
    const vsInspector = s100.inspector.getSamplingProfile / o.snapshotTop10;
    lines.push(
      `- Snapshot + top 10 at 100k ≥ 10× faster than @datadog/pprof \`heap.profile()\`: ${yes(vsPprof >= 10)} ` +
        `(${vsPprof.toFixed(1)}×; the snapshot alone: ${(s100.pprof.profile / o.snapshot).toFixed(0)}×).`,
      `- Snapshot + top 10 at 100k ≥ 50× faster than the inspector: ${yes(vsInspector >= 50)} ` +
        `(${vsInspector.toFixed(1)}×; the snapshot alone: ${(s100.inspector.getSamplingProfile / o.snapshot).toFixed(0)}×).`,
    );
  }
  const s1m = at(1000000);
  if (s1m) {
    const o = s1m.ours;
    lines.push(
      `- At 1M within 1.5× of the GetAllocationProfile floor: snapshot ${yes(o.snapshot / o.floor <= 1.5)} ` +
        `(${(o.snapshot / o.floor).toFixed(2)}×), snapshot + top 10 ${yes(o.snapshotTop10 / o.floor <= 1.5)} (${(o.snapshotTop10 / o.floor).toFixed(2)}×).`,
    );
  }
  const analysisVerdicts = analysis.verdicts(analysisRows);
  if (analysisVerdicts !== '') lines.push(analysisVerdicts);
  const { worse, cells } = overhead.compare(ov);
  lines.push(
    `- Overhead no worse than any peer at the same settings (paired by round, 5% margin): ${yes(worse.length === 0)} ` +
      `(${cells - worse.length} of ${cells} comparisons; the rest are listed under "Tracing overhead").`,
  );
  const maxErr = Math.max(...agreement.map((r) => Math.abs(r.counter / r.exact - 1)));
  const maxOver = Math.max(...Object.values(ov).map((r) => r.cells.counter.ratio));
  lines.push(
    `- GC counter within 0.5% of interval-1 totals: ${yes(maxErr <= 0.005)} (worst ${(maxErr * 100).toFixed(2)}%).`,
    `- GC counter overhead ≤ 1.01×: ${yes(maxOver <= 1.01)} (worst median ${maxOver.toFixed(2)}× over ${overhead.REPS} rounds; ` +
      'the counter only reads heap statistics in GC callbacks, about 1 µs per GC).',
  );
  lines.push(
    '',
    'Why the misses miss (measured while making this suite, see bench/snapshot-child.js, bench/analysis.js and',
    'test/analysis-allocations.test.ts):',
    '',
    '- **Snapshot + top 10 at 100k, against the peers and while tracing.** The snapshot itself beats both peers',
    '  by the margins asked for at 100k. The top-10 step costs 1–3 ms with the sampler stopped, but in exact mode',
    "  V8 samples *every* allocation of the tracer's own JS too, a stack walk of several µs each. `statistics()`",
    '  makes nothing per trace or stack row once V8 has optimized its loops, and a few objects per key (its',
    '  Statistic, traceback and frame): about 2k samples for the ~200 keys and ~1000 stack rows here, some',
    '  10 ms, against ~17 ms for the snapshot and the statistics untraced, so the ratio to the untraced step sits',
    "  near 1.5× and moves with the machine's load. The first call of a process costs several times more (the",
    '  "cold" column): its per-sample loop runs unoptimized, a heap number per read, until V8 replaces it (about',
    '  20k samples at 100k traces). At sampled intervals the same work is a handful of samples. The remedy left',
    "  is to keep V8 from sampling the tracer's own work at all, which V8's API does not allow (no pause; stop",
    '  discards).',
    '- **1M, snapshot + top 10 vs GetAllocationProfile: where the margin goes.** CPU samples (perf, estimated),',
    "  as fractions of the floor: V8's GetAllocationProfile inside `takeSnapshot()` costs about what it costs",
    "  in the floor, the native table build 0.2–0.3× (samples placed by id in one pass over V8's, then read in",
    '  id order, written straight into the JS buffers and summed per stack row as they are written), and',
    '  `statistics()` some 0.1×: it sums those per-stack totals into keys, with no pass over the samples. Both',
    '  sides page-fault fresh memory for their copies, 0–60 ms of system time per call on this machine, so',
    '  single processes land from well under to just over 1.5× (the min–max in the analysis table).',
    '- **Overhead vs the peers.** Ours, @datadog/pprof, the inspector and --heap-prof all drive the same V8',
    '  sampler with the same interval and depth, so the sampling cost is the same code; what differs is noise',
    '  on a shared 2-core box (load average above) and, whole-process, the time to load node-tracemalloc',
    '  itself (`require` of the full package, listed under the table), which --heap-prof does not pay.',
    '- **GC counter overhead.** Only heap statistics read in GC prologue/epilogue callbacks (about 1 µs per',
    '  GC; the workloads run 20–100 GCs); a median above 1.01× here is run-to-run noise of ±5–10%',
    '  on the shared box (a 15-round rerun while developing: 0.98–1.00×).',
  );
  return lines.join('\n');
}

const started = Date.now();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmark results',
  '',
  `Generated by \`npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`,
  '',
  `- Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
  `- Node ${process.version}, V8 ${process.versions.v8}, @datadog/pprof ${require('@datadog/pprof/package.json').version}, TypeScript ${require('typescript').version} (the tscCompile workload)`,
  '- Timings on a shared machine are noisy: read the ratios and their spread, not single numbers.',
  `- Load average when the run started: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')} (other jobs shared the 2 cores)`,
  '',
].join('\n');

const stamp = (what) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] running bench/${what}`);
require('./pkg').packageRoot();
stamp('snapshot.js');
const snaps = snapshot.measure();
stamp('analysis.js');
const analysisRows = analysis.measure();
stamp('counter.js');
const agreement = counter.measure();
stamp('overhead.js');
const ov = overhead.measure();
const dumpLoad = script('dump-load.js');
const deepStacks = script('deep-stacks.js');
const coverage = script('coverage.js');
const builtinDepth = script('builtin-depth.js');
const leakWatch = script('leak-watch.js');
const budgetLoad = script('budget-load.js');

const parts = [
  header,
  section('Targets', targets(ov, snaps, agreement, analysisRows)),
  section('Tracing overhead', overhead.toMarkdown(ov)),
  section('Cost per sample', overhead.sampleCostMarkdown(ov)),
  section('Snapshot cost', snapshot.toMarkdown(snaps)),
  section('Analysis cost while tracing (bench/analysis.js)', analysis.toMarkdown(analysisRows)),
  section('Exact totals from GC accounting', counter.toMarkdown(agreement, ov)),
  section('Dump and load', dumpLoad),
  section('Deep stacks (65,535 frames)', deepStacks),
  section('Error bars: coverage of the 95% intervals', coverage),
  section('Builtins: frames recorded beyond the traceback limit', builtinDepth),
  section('Leak watch', leakWatch),
  section('Budget under load (bench/budget-load.js)', budgetLoad),
];
// docs/performance.md quotes our overhead table and the targets' verdicts
// between markers; regenerate them too.
const readme = path.join(__dirname, '..', 'docs', 'performance.md');
let text = fs.readFileSync(readme, 'utf8');
function quoteInReadme(name, quote) {
  const marked = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (marked.test(text)) text = text.replace(marked, () => text.match(marked)[1] + quote + text.match(marked)[2]);
}
if (!process.env.BENCH_NO_README) {
  const machine = `(Node ${process.version}, ${os.cpus().length} × ${cpu}; from bench/RESULTS.md`;
  quoteInReadme('overhead', `${overhead.oursMarkdown(ov)}\n\n${machine}, which also has the peers.)\n`);
  const verdicts = targets(ov, snaps, agreement, analysisRows).split('\n\n')[0];
  quoteInReadme('targets', `${verdicts}\n\n${machine}, which says why each miss misses.)\n`);
  fs.writeFileSync(readme, text);
}
const out = path.join(__dirname, 'RESULTS.md');
// bench/inlining.js runs apart (it needs a build per Node version): keep its section.
const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
const inlining = /<!-- inlining:start -->[\s\S]*?<!-- inlining:end -->/.exec(previous);
if (inlining) parts.push(section('The cost of keeping inlined frames (bench/inlining.js)', inlining[0]));
parts[0] = parts[0].replace(
  /(when the run started: [^(]*)/,
  `$1(at the end: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}) `,
);
fs.writeFileSync(out, parts.join('\n') + `\n_Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s._\n`);
fs.writeFileSync(path.join(os.tmpdir(), 'ntm-bench-raw.json'), JSON.stringify({ ov, snaps, agreement, analysisRows }));
process.stderr.write(`wrote ${path.relative(process.cwd(), out)}\n`);
