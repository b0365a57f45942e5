// Byte sizes as people write them ("24 KiB", "1 MB", "512K"), for limits in
// matchers and test helpers. Units follow GNU coreutils (dd, sort -S, du):
// a bare prefix and the IEC names are powers of 1024, the SI names with "B"
// are powers of 1000, so "1 MB" means what a disk label means and "1 MiB"
// what V8's heap statistics mean.
import { argError } from './errors';

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['k', 1024],
  ['kib', 1024],
  ['kb', 1e3],
  ['m', 1024 ** 2],
  ['mib', 1024 ** 2],
  ['mb', 1e6],
  ['g', 1024 ** 3],
  ['gib', 1024 ** 3],
  ['gb', 1e9],
  ['t', 1024 ** 4],
  ['tib', 1024 ** 4],
  ['tb', 1e12],
]);

// A decimal number (no exponent: "1e3 KB" is more likely a typo than intent),
// optional spaces, then an optional unit made of letters.
const SIZE_PATTERN = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i;

const UNIT_HELP = 'B, K or KiB, M or MiB, G or GiB, T or TiB (powers of 1024); KB, MB, GB, TB (powers of 1000)';

/** A size in bytes, or a string such as `'24 KiB'`, `'1 MB'`, `'512K'`, `'2048'`. */
export type Size = number | string;

function invalid(text: string, why: string): TypeError {
  return argError('ERR_INVALID_ARG_VALUE', `Invalid size ${JSON.stringify(text)}: ${why}`);
}

/**
 * Parses a byte size. Numbers are bytes. Strings are a decimal number and
 * an optional unit, case-insensitive, with or without a space:
 *
 * | unit | bytes |
 * | --- | --- |
 * | (none), `B` | 1 |
 * | `K`, `KiB` / `M`, `MiB` / `G`, `GiB` / `T`, `TiB` | 1024, 1024², 1024³, 1024⁴ |
 * | `KB` / `MB` / `GB` / `TB` | 10³, 10⁶, 10⁹, 10¹² |
 *
 * A bare prefix (`512K`) is binary, as in GNU `dd` and `sort -S`; `KB` and
 * `MB` are decimal (SI), as on disk labels. Fractions are kept as they are
 * (`'1.5 KB'` is 1500; `'0.1 KiB'` is 102.4): limits are compared with
 * per-call averages, which are fractional too.
 *
 * @example
 * parseSize('24 KiB') // 24576
 * parseSize('1 MB')   // 1000000
 * parseSize('512K')   // 524288
 * parseSize(2048)     // 2048
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `size` is neither a number nor a string;
 *   `ERR_INVALID_ARG_VALUE` for a string that is not a size (`'24 KBB'`, `'-1 MB'`, `'lots'`)
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative, NaN or infinite number
 */
export function parseSize(size: Size): number {
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size < 0) {
      throw argError('ERR_OUT_OF_RANGE', `Expected a size of at least 0 bytes but received ${size}`);
    }
    return size;
  }
  if (typeof size !== 'string') {
    const kind = size === null ? 'null' : typeof size;
    throw argError(
      'ERR_INVALID_ARG_TYPE',
      `Expected a number of bytes or a string such as "24 KiB" for size but received ${kind}`,
    );
  }
  const match = SIZE_PATTERN.exec(size);
  if (match === null) {
    const why = size.trim().startsWith('-')
      ? 'a size cannot be negative'
      : `expected a number and an optional unit, such as "24 KiB", "1 MB" or "512K"`;
    throw invalid(size, why);
  }
  const multiplier = UNITS.get(match[2].toLowerCase());
  if (multiplier === undefined) {
    throw invalid(size, `unknown unit ${JSON.stringify(match[2])} (known: ${UNIT_HELP})`);
  }
  return Number(match[1]) * multiplier;
}

/**
 * A limit as given and in bytes, for messages.
 *
 * @example
 * describeSize('24 KiB') // "24 KiB (24576 B)"
 * describeSize(2048)     // "2048 B"
 * @throws see {@link parseSize}
 */
export function describeSize(size: Size): string {
  const bytes = parseSize(size);
  return typeof size === 'number' ? `${bytes} B` : `${size.trim()} (${bytes} B)`;
}
