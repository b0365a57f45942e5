#!/usr/bin/env node
// GC-accounting counter (allocated bytes = heap growth + bytes freed at each
// GC) against interval-1 totals with collected samples kept.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const N = Number(process.env.BENCH_N || 1000000);
const WORKLOADS = (
  process.env.BENCH_WORKLOADS || 'smallObjects,stringBuilding,mapChurn,jsonRoundTrip,tscCompile'
).split(',');

function measure(log = (s) => process.stderr.write(s)) {
  packageRoot();
  const rows = WORKLOADS.map((workload) => {
    log('.');
    const out = execFileSync(process.execPath, [path.join(__dirname, 'counter-child.js'), workload, String(N)], {
      encoding: 'utf8',
    });
    return { workload, ...JSON.parse(out.trim().split('\n').pop()) };
  });
  log('\n');
  return rows;
}

function toMarkdown(rows, overheadResults) {
  const lines = [
    `n = ${N}. Exact: sum of every sample at interval 1 with collected objects kept (\`startNative(1, 1, true)\`).`,
    'Counter: `heapCounters().allocated` over the same window (used heap growth + bytes freed by each GC).',
    '',
    '| workload | exact bytes | counter bytes | counter / exact − 1 | counter overhead (on / off) |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const c = overheadResults?.[r.workload]?.cells.counter;
    const overhead = c ? `${c.ratio.toFixed(2)}× (${c.min.toFixed(2)}–${c.max.toFixed(2)})` : 'n/a';
    const err = ((r.counter / r.exact - 1) * 100).toFixed(2);
    lines.push(
      `| ${r.workload} | ${r.exact.toLocaleString('en-US')} | ${r.counter.toLocaleString('en-US')} | ${err}% | ${overhead} |`,
    );
  }
  return lines.join('\n');
}

module.exports = { measure, toMarkdown };

if (require.main === module) console.log(toMarkdown(measure()));
