// The seed's second scenario: what a block of code left behind, as the
// difference between two snapshots taken around it.
//
//   node examples/compare-snapshots.js
'use strict';
const tracemalloc = require('..');
const { runInventory } = require('./app/inventory');

tracemalloc.start();
const first = runInventory(5000);
const snapshot1 = tracemalloc.takeSnapshot();

// ... call the function leaking memory ...
const second = runInventory(20000);

const snapshot2 = tracemalloc.takeSnapshot();
const topStats = snapshot2.compareTo(snapshot1, 'lineno');

console.log('[ Top 10 differences ]');
for (const stat of topStats.slice(0, 10)) console.log(String(stat));
console.log(`\n${first.records.length + second.records.length} records kept`);
