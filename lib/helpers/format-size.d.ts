// Types of format-size.js: plain JS because the flame graph page runs the same
// text in the browser (one definition of the size format).

/**
 * Rounds like C's printf (and Python's `%.Nf`): to the nearest, ties to even.
 * JS's toFixed breaks exact ties upwards ((2.5).toFixed(0) is "3", Python
 * prints "2").
 */
export declare function toFixedHalfEven(value: number, digits: number): string;

/**
 * Formats a byte count as Python's `tracemalloc._format_size` does: B, KiB,
 * MiB, GiB, TiB; one decimal under 100 of a unit above bytes, else none,
 * rounding ties to even as Python's `%.0f` does.
 *
 * @param sign prefix positive values with "+" (used for diffs)
 * @example formatSize(5120) // "5120 B"
 * @example formatSize(10 * 1024 * 1024, true) // "+10.0 MiB"
 */
export declare function formatSize(size: number, sign?: boolean): string;
