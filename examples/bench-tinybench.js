// Go's -benchmem for tinybench: B/op and allocs/op columns beside its
// latency and throughput.
//
//   npm install --save-dev tinybench    (6.x; ESM-only, loaded with import())
//   node examples/bench-tinybench.js
//
// The allocation figures come from node-tracemalloc's measure(): exact (every
// allocation recorded, short-lived garbage included), per call, after
// warm-up. They are measured after tinybench's timed runs: exact tracing
// slows allocation-heavy code 15-190x, so it must not overlap with timing.
'use strict';
const { withAllocations, addAllocationColumns } = require('node-tracemalloc/measure');

const record = { id: 1, name: 'widget', tags: ['a', 'b', 'c'], price: 9.99 };
const json = JSON.stringify(record);
const csvLine = 'id,name,tags,price';

// The same named functions go to both tools.
const tasks = {
  'JSON.parse': () => JSON.parse(json),
  'structuredClone': () => structuredClone(record),
  'spread copy': () => ({ ...record, tags: [...record.tags] }),
  // V8 caches split() results for constant strings: 1 allocation, a copy-on-write array.
  'split CSV line': () => csvLine.split(','),
};

async function main() {
  const { Bench } = await import('tinybench');
  const bench = new Bench({ name: 'copying a record', time: 200 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();

  const allocations = await withAllocations(tasks, { iterations: 200 });
  console.log(bench.name);
  // bench.table() keys each row by 'Task name'; the rows gain 'B/op' and 'allocs/op'.
  console.table(addAllocationColumns(bench.table(), allocations));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
