// Go's -benchmem for mitata: B/op and allocs/op printed under mitata's own
// report, with mitata's average time per iteration.
//
//   npm install --save-dev mitata       (1.x; ESM-only, loaded with import())
//   node examples/bench-mitata.js
//
// The allocation figures come from node-tracemalloc's measure(): exact (every
// allocation recorded, short-lived garbage included), per call, after
// warm-up. They are measured after mitata's timed runs: exact tracing slows
// allocation-heavy code 15-190x, so it must not overlap with timing.
'use strict';
const { withAllocations, addAllocationColumns } = require('node-tracemalloc/measure');

const words = 'the quick brown fox jumps over the lazy dog'.split(' ');
let n = 0;

// The same named functions go to both tools.
const tasks = {
  'Array.prototype.join': () => words.join(' '),
  // A counter keeps TurboFan from folding the whole string into a constant.
  'template literal': () => `${words[n++ & 7]} ${words[1]} ${n}`,
  'Map of word lengths': () => new Map(words.map((w) => [w, w.length])),
  'Object.fromEntries': () => Object.fromEntries(words.map((w) => [w, w.length])),
};

async function main() {
  const { bench, run } = await import('mitata');
  for (const [name, fn] of Object.entries(tasks)) bench(name, fn);
  // Prints mitata's report; resolves to { context, benchmarks: [{ alias, runs: [{ name, stats }] }] }.
  const { benchmarks } = await run();

  const timings = benchmarks.flatMap((trial) =>
    trial.runs.map((r) => ({ name: r.name, 'avg (ns/iter)': r.stats ? Number(r.stats.avg.toFixed(2)) : 'error' })),
  );
  const allocations = await withAllocations(tasks, { iterations: 200 });
  console.log('\nallocations per call (node-tracemalloc, exact):');
  console.table(addAllocationColumns(timings, allocations, 'name'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
