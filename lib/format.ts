// Number formatting identical to Python's tracemalloc, down to the rounding.

/**
 * Rounds like C's printf (and Python's `%.Nf`): to the nearest, ties to even.
 * JS's toFixed breaks exact ties upwards ((2.5).toFixed(0) is "3", Python
 * prints "2"); ties can only occur for values exactly representable, such as
 * 2.5 or 0.25, which is what the odd-integer test detects.
 */
export function toFixedHalfEven(value: number, digits: number): string {
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

function signed(text: string, sign: boolean): string {
  // "+0" like Python's "%+.0f" % 0; a negative that rounds to zero keeps its
  // "-0", as in Python.
  return sign && !text.startsWith('-') ? `+${text}` : text;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * Formats a byte count as Python's `tracemalloc._format_size` does: B, KiB,
 * MiB, GiB, TiB; one decimal under 100 of a unit above bytes, else none.
 *
 * @param sign prefix positive values with "+" (used for diffs)
 * @example formatSize(5120) // "5120 B"
 * @example formatSize(10 * 1024 * 1024, true) // "+10.0 MiB"
 */
export function formatSize(size: number, sign = false): string {
  let value = size;
  for (const unit of UNITS) {
    if (Math.abs(value) < 100 && unit !== 'B') {
      return `${signed(toFixedHalfEven(value, 1), sign)} ${unit}`;
    }
    if (Math.abs(value) < 10 * 1024 || unit === 'TiB') {
      return `${signed(toFixedHalfEven(value, 0), sign)} ${unit}`;
    }
    value /= 1024;
  }
  /* istanbul ignore next: the loop always returns at TiB */
  throw new Error('unreachable');
}

/**
 * An estimate rounded to an integer for display (sizes and counts of sampled
 * snapshots are fractional): `Math.round`, with `-0` shown as `0`.
 */
export function roundForDisplay(value: number): number {
  return Math.round(value) + 0;
}

/**
 * Formats an object count as Python's `%i` (or `%+i` with `sign`), after
 * rounding it to an integer ({@link roundForDisplay}).
 *
 * @example formatCount(80) // "80"
 * @example formatCount(0, true) // "+0"
 */
export function formatCount(count: number, sign = false): string {
  const n = roundForDisplay(count);
  return sign && n >= 0 ? `+${n}` : String(n);
}
