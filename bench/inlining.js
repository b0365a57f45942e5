#!/usr/bin/env node
// What keeping inlined functions' frames costs: wall time of each bench
// workload with V8's inlining off (lib/tracer/inlining.ts's flags, set first thing,
// as `tracemalloc run` and register do) over the same run with it on, per
// Node version, untraced, at the production preset (512 KiB, 16 frames) and
// exact (interval 1, 16 frames). Each run is a fresh process
// (overhead-child.js); the two runs of a pair go back to back, pairs are
// interleaved, and the median of the per-pair ratios is shown with min–max.
//
//   node bench/inlining.js                      the running node
//   BENCH_NODES='/x/node22=/pkg22,/x/node26=/pkg26' node bench/inlining.js
//     other versions: each node with a copy of the package built for its ABI
//     (dist/ and build/Release/tracemalloc.node, or prebuilds/)
//
// Writes the table to stdout, and between the inlining markers of
// bench/RESULTS.md and docs/performance.md unless BENCH_NO_WRITE is set. BENCH_REPS (default 5),
// BENCH_N (default 1e6) and BENCH_WORKLOADS shrink it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const REPS = Number(process.env.BENCH_REPS || 5);
const N = Number(process.env.BENCH_N || 1000000);
const WORKLOADS = (
  process.env.BENCH_WORKLOADS || 'smallObjects,stringBuilding,mapChurn,jsonRoundTrip,tscCompile,helperCalls'
).split(',');
const SETTINGS = [
  { label: 'untraced', tool: 'off', interval: 1, frames: 1 },
  { label: '512 KiB, 16 frames', tool: 'ours', interval: 512 * 1024, frames: 16 },
  { label: 'exact, 16 frames', tool: 'ours', interval: 1, frames: 16 },
];

function versions() {
  const spec = process.env.BENCH_NODES;
  if (!spec) return [{ node: process.execPath, pkg: packageRoot() }];
  return spec.split(',').map((pair) => {
    const [node, pkg] = pair.split('=');
    if (!node || !pkg) throw new Error(`BENCH_NODES: expected node=package pairs, got ${JSON.stringify(pair)}`);
    return { node, pkg };
  });
}

function once(version, workload, setting, noInlining) {
  const args = [
    path.join(__dirname, 'overhead-child.js'),
    workload,
    setting.tool,
    String(setting.interval),
    String(setting.frames),
    String(N),
    'late',
  ];
  const env = { ...process.env, NTM_BENCH_PKG: version.pkg, NTM_BENCH_NO_INLINING: noInlining ? '1' : '0' };
  const child = spawnSync(version.node, args, { encoding: 'utf8', cwd: path.join(__dirname, '..'), env });
  if (child.status !== 0) throw new Error(`${version.node} ${args.join(' ')} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()).ms;
}

const { median } = require('./overhead');

function versionOf(node) {
  return spawnSync(node, ['-p', 'process.version + " (V8 " + process.versions.v8 + ")"'], {
    encoding: 'utf8',
  }).stdout.trim();
}

function measure(log = (s) => process.stderr.write(s)) {
  const rows = [];
  for (const version of versions()) {
    const name = versionOf(version.node);
    for (const workload of WORKLOADS) {
      const ratios = SETTINGS.map(() => []);
      const onMs = SETTINGS.map(() => []);
      for (let rep = 0; rep < REPS; rep++) {
        SETTINGS.forEach((setting, i) => {
          // Alternate which goes first, so drift on a shared box cancels.
          const order = rep % 2 === 0 ? [false, true] : [true, false];
          const ms = {};
          for (const off of order) ms[off] = once(version, workload, setting, off);
          ratios[i].push(ms[true] / ms[false]);
          onMs[i].push(ms[false]);
        });
        log('.');
      }
      rows.push({
        version: name,
        workload,
        cells: SETTINGS.map((s, i) => ({
          label: s.label,
          ratio: median(ratios[i]),
          min: Math.min(...ratios[i]),
          max: Math.max(...ratios[i]),
          onMs: median(onMs[i]),
        })),
      });
      log(` ${name} ${workload}\n`);
    }
  }
  return rows;
}

function toMarkdown(rows) {
  const fmt = (c) => `${c.ratio.toFixed(2)}× (${c.min.toFixed(2)}–${c.max.toFixed(2)})`;
  return [
    "Wall time with V8's inlining off (`--no-turbo-inlining --no-maglev-inlining`, set before the code gets hot)",
    `over the same run with it on: the median of ${REPS} back-to-back pairs in fresh processes (min–max in`,
    `brackets), n = ${N}, tracing started after warm-up. Above 1× inlining off is slower.`,
    '',
    `| Node | workload | ${SETTINGS.map((s) => s.label).join(' | ')} |`,
    `| --- | --- | ${SETTINGS.map(() => '---:').join(' | ')} |`,
    ...rows.map((r) => `| ${r.version} | ${r.workload} | ${r.cells.map(fmt).join(' | ')} |`),
    '',
    'Medians of each column over the workloads, per version:',
    '',
    ...[...new Set(rows.map((r) => r.version))].map((v) => {
      const mine = rows.filter((r) => r.version === v);
      return `- ${v}: ${SETTINGS.map((s, i) => `${s.label} ${median(mine.map((r) => r.cells[i].ratio)).toFixed(2)}×`).join(', ')}`;
    }),
  ].join('\n');
}

/**
 * Puts `body` between `<!-- inlining:start -->` and `<!-- inlining:end -->`
 * in `file`; `heading` adds the section at the end when the markers are missing.
 */
function writeSection(file, body, heading) {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const block = `<!-- inlining:start -->\n${body}\n<!-- inlining:end -->`;
  const marked = /<!-- inlining:start -->[\s\S]*?<!-- inlining:end -->/;
  if (marked.test(text)) text = text.replace(marked, () => block);
  else if (heading !== undefined) text = `${text.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
  else return;
  fs.writeFileSync(file, text);
}

module.exports = { measure, toMarkdown, writeSection };

if (require.main === module) {
  const markdown = toMarkdown(measure());
  const stamped = `${markdown}\n\n(Generated by \`node bench/inlining.js\` on ${new Date().toISOString().slice(0, 10)}.)`;
  console.log(stamped);
  if (!process.env.BENCH_NO_WRITE) {
    writeSection(path.join(__dirname, 'RESULTS.md'), stamped, 'The cost of keeping inlined frames (bench/inlining.js)');
    writeSection(path.join(__dirname, '..', 'docs', 'performance.md'), stamped);
  }
}
