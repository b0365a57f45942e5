// The seed's first scenario: the 10 places that allocated the most memory
// still alive, in Python tracemalloc's words and format.
//
//   node examples/top10.js
'use strict';
const tracemalloc = require('..');
const { runInventory } = require('./app/inventory');

tracemalloc.start();

// ... run your application ...
const kept = runInventory();

const snapshot = tracemalloc.takeSnapshot();
const topStats = snapshot.statistics('lineno');

console.log(`[ Top 10 ] (${snapshot.exact ? 'exact' : `estimated, interval ${snapshot.interval} B`}; lines are function start lines)`);
for (const stat of topStats.slice(0, 10)) console.log(String(stat));
console.log(`\n${kept.records.length} records kept`);
