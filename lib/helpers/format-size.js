// The size format, defined once for node and for the browser: lib/helpers/format.ts
// re-exports it, and the flame graph page (lib/faces/export/flamegraph.ts) embeds
// this file's text in its script, so the page prints every size as the
// library does. Hence plain script code: no import, no export statement (the
// CommonJS export at the end is skipped in a browser), names that are page
// globals there. Types and docs: format-size.d.ts.
'use strict';

/**
 * Rounds like C's printf (and Python's `%.Nf`): to the nearest, ties to even.
 * JS's toFixed breaks exact ties upwards ((2.5).toFixed(0) is "3", Python
 * prints "2"); ties can only occur for values exactly representable, such as
 * 2.5 or 0.25, which is what the odd-integer test detects.
 * @param {number} value
 * @param {number} digits
 * @returns {string}
 */
function toFixedHalfEven(value, digits) {
  const scale = 10 ** digits;
  const doubled = value * scale * 2;
  if (Number.isInteger(doubled) && Math.abs(doubled) % 2 === 1) {
    const down = Math.trunc(value * scale);
    const even = down % 2 === 0 ? down : down + Math.sign(value);
    const text = (even / scale).toFixed(digits);
    // toFixed drops the sign of zero ((-0).toFixed(0) is "0"); printf keeps it (-0.5 → "-0").
    return value < 0 && !text.startsWith('-') ? `-${text}` : text;
  }
  return value.toFixed(digits);
}

function withSign(text, sign) {
  // "+0" like Python's "%+.0f" % 0; a negative that rounds to zero keeps its
  // "-0", as in Python.
  return sign && !text.startsWith('-') ? `+${text}` : text;
}

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Formats a byte count as Python's `tracemalloc._format_size` does: B, KiB,
 * MiB, GiB, TiB; one decimal under 100 of a unit above bytes, else none.
 * @param {number} size
 * @param {boolean} [sign] prefix positive values with "+" (used for diffs)
 * @returns {string}
 */
function formatSize(size, sign = false) {
  let value = size;
  for (const unit of SIZE_UNITS) {
    if (Math.abs(value) < 100 && unit !== 'B') {
      return `${withSign(toFixedHalfEven(value, 1), sign)} ${unit}`;
    }
    if (Math.abs(value) < 10 * 1024 || unit === 'TiB') {
      return `${withSign(toFixedHalfEven(value, 0), sign)} ${unit}`;
    }
    value /= 1024;
  }
  /* istanbul ignore next: the loop always returns at TiB */
  throw new Error('unreachable');
}

// `module` exists in node only: the browser runs this file as a plain script.
if (typeof module === 'object' && module !== null) module.exports = { formatSize, toFixedHalfEven };
