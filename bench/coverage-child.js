// Coverage of the error bars: the same known allocations traced `runs` times
// at one sampling interval, each time checking whether the 95% intervals of
// statistics (and of a difference between two snapshots) contain the truth,
// which an exact trace of the same allocations gives. Prints JSON.
//
//   node --jitless [--random-seed=N] bench/coverage-child.js <runs> <interval> <scale>
//
// --jitless: every run allocates exactly the same objects (optimizing tiers
// would fold allocations and change the truth between runs).
'use strict';
const path = require('node:path');
const tm = require(process.env.NTM_BENCH_PKG || path.join(__dirname, '..'));

const [runs, interval, scale] = process.argv.slice(2).map(Number);

// Three sizes of object, one function each: many small ones (weight ≈
// interval / size), mid-sized arrays, and arrays past the interval (sampled
// with probability ~0.8 at 64 KiB). Then a function that grows between two
// snapshots, for differences.
function small(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { i };
  return out;
}
function medium(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = new Array(128);
  return out;
}
function large(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = new Array(12800);
  return out;
}
function growing(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = [i, i];
  return out;
}

const KEYS = ['small', 'medium', 'large'];
const WORK = new Map([
  ['small', () => small(100000 * scale)],
  ['medium', () => medium(3000 * scale)],
  ['large', () => large(60 * scale)],
]);

/**
 * One traced run: the statistics of each key, and of `growing` between two
 * snapshots. Everything allocated is kept, so snapshots skip the GC (which
 * would dominate the run's time).
 */
function trace(frames, every) {
  tm.start(frames, { interval: every });
  const kept = {};
  for (const key of KEYS) kept[key] = WORK.get(key)();
  kept.before = growing(20000 * scale);
  const first = tm.takeSnapshot({ gc: false });
  kept.after = growing(40000 * scale); // a second batch: the difference is this batch
  const second = tm.takeSnapshot({ gc: false });
  tm.stop();
  // By line: each function's own allocations and its builtins' (new Array) together.
  const byName = (stats) => Object.fromEntries(stats.map((s) => [s.traceback.at(0).functionName, s]));
  const stats = byName(first.statistics('lineno'));
  const diffs = byName(second.compareTo(first, 'lineno'));
  return { stats, diffs, kept };
}

// The first calls allocate feedback and allocation sites; from the third on
// each call allocates the same.
for (let i = 0; i < 2; i++) {
  for (const key of KEYS) WORK.get(key)();
  growing(100);
}
const truth = trace(1, 1);
const again = trace(1, 1);
for (const key of [...KEYS, 'growing']) {
  if (truth.stats[key].size !== again.stats[key].size || truth.stats[key].count !== again.stats[key].count) {
    throw new Error(
      `the workload is not deterministic: ${key} differs between two exact runs: ${truth.stats[key]} vs ${again.stats[key]}`,
    );
  }
}

const hits = {};
const inside = (range, value) => range[0] <= value && value <= range[1];
const count = (name, ok) => {
  hits[name] = (hits[name] || 0) + (ok ? 1 : 0);
};
let samples = 0;
for (let r = 0; r < runs; r++) {
  const { stats, diffs } = trace(1, interval);
  for (const key of KEYS) {
    const stat = stats[key];
    const exact = truth.stats[key];
    // A key with no sample has no statistic (and no interval): counted as a miss.
    count(`${key} size`, stat !== undefined && inside(stat.sizeRange, exact.size));
    count(`${key} count`, stat !== undefined && inside(stat.countRange, exact.count));
    samples += stat === undefined ? 0 : stat.samples;
  }
  const diff = diffs.growing;
  const exact = truth.diffs.growing;
  count('growing sizeDiff', diff !== undefined && inside(diff.sizeDiffRange, exact.sizeDiff));
  count('growing countDiff', diff !== undefined && inside(diff.countDiffRange, exact.countDiff));
}

const truths = Object.fromEntries(KEYS.map((k) => [k, { size: truth.stats[k].size, count: truth.stats[k].count }]));
truths.growing = { sizeDiff: truth.diffs.growing.sizeDiff, countDiff: truth.diffs.growing.countDiff };
console.log(JSON.stringify({ runs, interval, node: process.version, truths, meanSamples: samples / runs, hits }));
