#!/usr/bin/env node
// Overhead of tracing: wall time traced / untraced for each workload,
// interval and stack depth, each run in a fresh process, runs interleaved,
// median of REPS. Prints a markdown table; `--json` prints raw figures.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const REPS = Number(process.env.BENCH_REPS || 5);
const N = Number(process.env.BENCH_N || 1000000);
const WORKLOADS = ['smallObjects', 'stringBuilding', 'mapChurn', 'jsonRoundTrip'];
const SETTINGS = [
  { label: '512 KiB, 1 frame', interval: 524288, frames: 1 },
  { label: '512 KiB, 16 frames', interval: 524288, frames: 16 },
  { label: '64 KiB, 1 frame', interval: 65536, frames: 1 },
  { label: '8 KiB, 1 frame', interval: 8192, frames: 1 },
  { label: 'exact (interval 1), 1 frame', interval: 1, frames: 1 },
];

function once(workload, mode, frames) {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'overhead-child.js'), workload, String(mode), String(frames), String(N)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(log = (s) => process.stderr.write(s)) {
  const rows = [];
  for (const workload of WORKLOADS) {
    const base = [];
    const traced = SETTINGS.map(() => ({ ms: [], rss: [] }));
    for (let r = 0; r < REPS; r++) {
      // Interleaved: every setting runs once per round, next to its baseline.
      base.push(once(workload, 'off', 1).ms);
      SETTINGS.forEach((s, i) => {
        const run = once(workload, s.interval, s.frames);
        traced[i].ms.push(run.ms);
        traced[i].rss.push(run.rssDeltaMB);
      });
      log('.');
    }
    const baseMs = median(base);
    rows.push({
      workload,
      baseMs,
      settings: SETTINGS.map((s, i) => ({
        label: s.label,
        ratio: median(traced[i].ms) / baseMs,
        spread: [Math.min(...traced[i].ms) / baseMs, Math.max(...traced[i].ms) / baseMs],
        rssDeltaMB: median(traced[i].rss),
      })),
    });
  }
  log('\n');
  return rows;
}

function toMarkdown(rows) {
  const lines = [
    `Wall time traced / untraced (median of ${REPS} interleaved runs, min–max in brackets), ${N} iterations per run.`,
    '',
    `| workload | untraced ms | ${SETTINGS.map((s) => s.label).join(' | ')} |`,
    `| --- | ---: | ${SETTINGS.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of rows) {
    const cells = row.settings.map((s) => `${s.ratio.toFixed(2)}× (${s.spread[0].toFixed(2)}–${s.spread[1].toFixed(2)})`);
    lines.push(`| ${row.workload} | ${row.baseMs.toFixed(1)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

module.exports = { measure, toMarkdown };

if (require.main === module) {
  const rows = measure();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : toMarkdown(rows));
}
