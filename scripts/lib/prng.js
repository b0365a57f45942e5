// mulberry32: a small seeded PRNG, so fuzz cases replay and benches measure
// the same tables run after run. Not for anything that needs real randomness.
'use strict';

/** Returns a function giving floats in [0, 1) from `seed`'s stream. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { prng };
