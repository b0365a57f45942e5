// Number formatting identical to Python's tracemalloc, down to the rounding.

// The size format is plain JS so that the flame graph page runs the same
// definition in the browser (format-size.js, typed by format-size.d.ts).
export { formatSize, toFixedHalfEven } from './format-size';

/**
 * An estimate rounded to an integer for display (sizes and counts of sampled
 * snapshots are fractional): `Math.round`, with `-0` shown as `0`.
 */
export function roundForDisplay(value: number): number {
  return Math.round(value) + 0;
}

/**
 * Formats an object count as Python's `%i` (or `%+i` with `sign`), after
 * rounding it to an integer (`Math.round`, `-0` shown as `0`): sampled
 * counts are fractional estimates.
 *
 * @example formatCount(80) // "80"
 * @example formatCount(0, true) // "+0"
 */
export function formatCount(count: number, sign = false): string {
  const n = roundForDisplay(count);
  return sign && n >= 0 ? `+${n}` : String(n);
}
