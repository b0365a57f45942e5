#!/usr/bin/env node
// Does a 95% error bar contain the truth 95% of the time? 200 traces at
// 64 KiB of a workload whose exact figures an interval-1 trace gives
// (bench/coverage-child.js), counting how often each interval holds them.
// Prints a markdown table; the target is 93–97%.
//
//   npm run build:ts && node bench/coverage.js          (RUNS=200 INTERVAL=65536)
//   node bench/coverage.js --write-docs                   also quotes it in docs/error-bars.md
//
// Each run's hit is a Bernoulli trial: over R runs, a coverage of p has a
// binomial standard deviation of sqrt(p (1 − p) / R) (1.5 points at R = 200).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { packageRoot } = require('./pkg');

const RUNS = Number(process.env.RUNS || 200);
const INTERVAL = Number(process.env.INTERVAL || 65536);
const CHILDREN = 2; // the box has 2 cores

function main() {
  packageRoot();
  const per = Math.ceil(RUNS / CHILDREN);
  const children = [];
  for (let c = 0; c < CHILDREN; c++) {
    const args = ['--jitless', path.join(__dirname, 'coverage-child.js'), String(per), String(INTERVAL), '1'];
    children.push(spawnSync(process.execPath, args, { encoding: 'utf8', cwd: path.join(__dirname, '..') }));
  }
  const results = children.map((child) => {
    if (child.status !== 0) throw new Error(`coverage-child failed:\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop());
  });
  const runs = results.reduce((n, r) => n + r.runs, 0);
  const hits = {};
  for (const r of results) for (const [k, v] of Object.entries(r.hits)) hits[k] = (hits[k] || 0) + v;
  const sigma = Math.sqrt((0.95 * 0.05) / runs) * 100;
  const { truths } = results[0];
  const lines = [
    `Node ${process.version}; ${runs} traces at ${INTERVAL / 1024} KiB (--jitless, random sampling), truth from interval-1 traces;`,
    `${(results.reduce((n, r) => n + r.meanSamples * r.runs, 0) / runs).toFixed(0)} samples per trace on average over the three keys.`,
    `Binomial σ of a 95% coverage over ${runs} runs: ${sigma.toFixed(1)} points. Target: 93–97%.`,
    '',
    '| interval of | truth (exact) | contains the truth |',
    '| --- | ---: | ---: |',
  ];
  const truthOf = (name) => {
    const [key, field] = name.split(' ');
    return truths[key][field];
  };
  let pooled = 0;
  let trials = 0;
  for (const [name, hit] of Object.entries(hits)) {
    lines.push(`| ${name} | ${truthOf(name)} | ${((hit / runs) * 100).toFixed(1)}% (${hit}/${runs}) |`);
    pooled += hit;
    trials += runs;
  }
  lines.push('', `All intervals together: ${((pooled / trials) * 100).toFixed(1)}% (${pooled}/${trials}).`);
  const text = lines.join('\n');
  console.log(text);
  if (process.argv.includes('--write-docs')) {
    const docs = path.join(__dirname, '..', 'docs', 'error-bars.md');
    const marked = /(<!-- coverage:start -->\n)[\s\S]*?(<!-- coverage:end -->)/;
    fs.writeFileSync(
      docs,
      fs.readFileSync(docs, 'utf8').replace(marked, (_, start, end) => `${start}${text}\n${end}`),
    );
  }
}

main();
