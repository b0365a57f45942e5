#!/usr/bin/env node
// Why the error bars use Jeffreys' interval (docs/error-bars.md): a
// simulation of V8's sampling model, no V8 involved. Each object of size s is
// sampled with probability 1 − exp(−s/I), independently; each sample weighs
// 1/p. For populations of known truth, how often does each 95% interval
// (built from the same effective number of samples) contain it, among the
// traces where the key has at least one sample (a key with none has no row)?
//
//   npm run build:ts && node bench/interval-methods.js
'use strict';
const path = require('node:path');
const { gammaQuantile } = require(path.join(__dirname, '..', 'dist', 'model', 'intervals'));

const Z = 1.959963984540054;
const I = 64 * 1024;
const TRIALS = Number(process.env.TRIALS || 4000);

// Each method maps (estimate, variance) to [low, high]; k = variance / estimate, ν = estimate / k.
const METHODS = {
  normal: (est, v) => [est - Z * Math.sqrt(v), est + Z * Math.sqrt(v)],
  score: (est, v) => {
    const k = v / est;
    const nu = est / k;
    const h = Z * Math.sqrt(nu + (Z * Z) / 4);
    return [k * (nu + (Z * Z) / 2 - h), k * (nu + (Z * Z) / 2 + h)];
  },
  garwood: (est, v) => {
    const k = v / est;
    const nu = est / k;
    return [k * gammaQuantile(nu, 0.025, -Z), k * gammaQuantile(nu + 1, 0.975, Z)];
  },
  jeffreys: (est, v) => {
    const k = v / est;
    const nu = est / k;
    return [k * gammaQuantile(nu + 0.5, 0.025, -Z), k * gammaQuantile(nu + 0.5, 0.975, Z)];
  },
};

// A fixed-seed generator: the table is the same on every run.
let seed = 42;
function random() {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return (seed + 0.5) / 4294967296;
}

function coverage(sizes) {
  const truth = sizes.reduce((a, b) => a + b, 0);
  const hits = Object.fromEntries(Object.keys(METHODS).map((m) => [m, 0]));
  for (let t = 0; t < TRIALS;) {
    let est = 0;
    let variance = 0;
    let sampled = 0;
    for (const s of sizes) {
      const p = 1 - Math.exp(-s / I);
      if (random() < p) {
        const w = 1 / p;
        est += s * w;
        variance += s * s * w * (w - 1);
        sampled += s;
      }
    }
    if (sampled === 0) continue; // no sample, no row
    t++;
    for (const [name, method] of Object.entries(METHODS)) {
      let [low, high] = variance > 0 ? method(est, variance) : [est, est];
      low = Math.max(low, sampled);
      if (low <= truth && truth <= high) hits[name]++;
    }
  }
  return hits;
}

const POPULATIONS = [
  ['λ ≈ 1: 2048 objects of 32 B', new Array(2048).fill(32)],
  ['λ ≈ 2', new Array(4096).fill(32)],
  ['λ ≈ 3', new Array(6144).fill(32)],
  ['λ ≈ 5', new Array(10240).fill(32)],
  ['λ ≈ 10', new Array(20480).fill(32)],
  ['λ ≈ 30: 2000 objects of 1 KiB', new Array(2000).fill(1024)],
  ['λ ≈ 100', new Array(204800).fill(32)],
  [
    'mixed: 32 B, 1 KiB, 100 KB',
    [...new Array(100000).fill(32), ...new Array(3000).fill(1032), ...new Array(20).fill(100000)],
  ],
  ['100 objects of 40 KiB (p = 0.46)', new Array(100).fill(40960)],
];

const names = Object.keys(METHODS);
const lines = [
  `Simulated coverage of 95% intervals of a key's size, ${TRIALS} traces each at ${I / 1024} KiB (traces with no sample of the key left out).`,
  '',
  `| population | ${names.join(' | ')} |`,
  `| --- | ${names.map(() => '---:').join(' | ')} |`,
];
for (const [label, sizes] of POPULATIONS) {
  const hits = coverage(sizes);
  lines.push(`| ${label} | ${names.map((n) => `${((hits[n] / TRIALS) * 100).toFixed(1)}%`).join(' | ')} |`);
}
console.log(lines.join('\n'));
