// Allocation workloads for the overhead benchmark. Each returns something
// derived from its allocations so the optimizer cannot drop them.
'use strict';

// Objects must escape (into a ring) or the optimizer removes the allocation.
const ring = new Array(1024).fill(null);

function smallObjects(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = { id: i, next: ring[(i - 1) & 1023], value: i * 2 };
    ring[i & 1023] = o;
    sum += o.value;
  }
  return sum;
}

function stringBuilding(n) {
  let total = 0;
  for (let i = 0; i < n / 10; i++) {
    let s = '';
    for (let j = 0; j < 10; j++) s += `item-${i}-${j};`;
    total += s.length;
  }
  return total;
}

function mapChurn(n) {
  const map = new Map();
  for (let i = 0; i < n; i++) {
    map.set(`k${i % 5000}`, [i, i + 1]);
    if (i % 3 === 0) map.delete(`k${(i * 7) % 5000}`);
  }
  return map.size;
}

function jsonRoundTrip(n) {
  const doc = { users: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `user${i}`, tags: ['a', 'b'] })) };
  let total = 0;
  for (let i = 0; i < n / 500; i++) total += JSON.parse(JSON.stringify(doc)).users.length;
  return total;
}

module.exports = { smallObjects, stringBuilding, mapChurn, jsonRoundTrip };
