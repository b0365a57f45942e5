#!/usr/bin/env node
// Snapshot cost at ~1k, 10k, 100k and 1M live samples (exact mode), ours
// against @datadog/pprof and the inspector, and V8's own floor
// (GetAllocationProfile alone, timed through the binding's profileSize()).
// Each tool runs in its own fresh process on the same generated program.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const SIZES = (process.env.BENCH_SNAPSHOT_SIZES || '1000,10000,100000,1000000').split(',').map(Number);
const TOOLS = ['off', 'ours', 'pprof', 'inspector'];

function run(tool, n) {
  const reps = n >= 1000000 ? 3 : 5;
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'snapshot-child.js'), tool, String(n), String(reps)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

function measure(log = (s) => process.stderr.write(s)) {
  packageRoot();
  const rows = [];
  for (const n of SIZES) {
    const row = { n };
    for (const tool of TOOLS) {
      // The untraced run is only the memory baseline, read at the largest size.
      if (tool === 'off' && n !== SIZES[SIZES.length - 1]) continue;
      row[tool] = run(tool, n);
      log('.');
    }
    rows.push(row);
  }
  log('\n');
  return rows;
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`;

function toMarkdown(rows) {
  const lines = [
    'Exact mode (interval 1), 16 frames, N objects kept alive by 1000 call sites (200 functions × 5 callers,',
    '8 object sizes), garbage collected before each timing, `takeSnapshot({ gc: false })`. Medians of 5 runs',
    '(3 at 1M), ms. Each tool in its own process on the same program.',
    '',
    '| live samples | V8 floor: GetAllocationProfile | ours: takeSnapshot | ours: + statistics(lineno) top 10 | (top 10 step with tracing stopped) | pprof heap.profile() | pprof + encodeSync | pprof profileV2() | inspector getSamplingProfile |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const o = r.ours;
    lines.push(
      `| ${o.samples.toLocaleString('en-US')} | ${ms(o.floor)} | ${ms(o.snapshot)} | ${ms(o.snapshotTop10)} | ${ms(o.top10Untraced)} | ` +
        `${ms(r.pprof.profile)} | ${ms(r.pprof.profileEncode)} | ${ms(r.pprof.profileV2)} | ${ms(r.inspector.getSamplingProfile)} |`,
    );
  }
  lines.push('', 'Ratios (how many times faster ours is; > 1 is better):', '');
  lines.push(
    '| live samples | pprof profile() / ours snapshot | pprof profile() / ours snapshot + top 10 | inspector / ours snapshot + top 10 | ours snapshot / floor | ours snapshot + top 10 / floor |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const o = r.ours;
    lines.push(
      `| ${o.samples.toLocaleString('en-US')} | ${ratio(r.pprof.profile, o.snapshot)} | ${ratio(r.pprof.profile, o.snapshotTop10)} | ` +
        `${ratio(r.inspector.getSamplingProfile, o.snapshotTop10)} | ${(o.snapshot / o.floor).toFixed(2)}× | ${(o.snapshotTop10 / o.floor).toFixed(2)}× |`,
    );
  }
  const big = rows.find((r) => r.n === 1000000) ?? rows[rows.length - 1];
  const perSample = (tool) => big[tool].rssDeltaPerObject - big.off.rssDeltaPerObject;
  lines.push(
    '',
    `Memory per live sample at ${big.n.toLocaleString('en-US')} objects (RSS growth per object kept, traced minus untraced):` +
      ` ours ${perSample('ours').toFixed(0)} B (V8's sample entry, weak handle and our share of the call tree),` +
      ` pprof ${perSample('pprof').toFixed(0)} B, inspector ${perSample('inspector').toFixed(0)} B (the same V8 sampler).` +
      ` A snapshot's own table adds ${big.ours.tableBytesPerTrace.toFixed(1)} B per trace (typed-array columns), freed with the snapshot.`,
  );
  return lines.join('\n');
}

module.exports = { measure, toMarkdown };

if (require.main === module) {
  const rows = measure();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : toMarkdown(rows));
}
