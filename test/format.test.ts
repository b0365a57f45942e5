// Sizes and counts printed exactly as Python's tracemalloc prints them.
import { formatCount, formatSize, roundForDisplay, toFixedHalfEven } from '../lib/helpers/format';

describe('formatSize', () => {
  // [size, _format_size(size, False), _format_size(size, True)] from CPython 3.11.
  const PYTHON: [number, string, string][] = [
    [0, '0 B', '+0 B'],
    [1, '1 B', '+1 B'],
    [99, '99 B', '+99 B'],
    [100, '100 B', '+100 B'],
    [1024, '1024 B', '+1024 B'],
    [5120, '5120 B', '+5120 B'],
    [10239, '10239 B', '+10239 B'],
    [10240, '10.0 KiB', '+10.0 KiB'],
    [10752, '10.5 KiB', '+10.5 KiB'],
    [102348, '99.9 KiB', '+99.9 KiB'],
    [102348.8, '100.0 KiB', '+100.0 KiB'],
    [102399, '100.0 KiB', '+100.0 KiB'],
    [102400, '100 KiB', '+100 KiB'],
    [10485760, '10.0 MiB', '+10.0 MiB'],
    [123456789, '118 MiB', '+118 MiB'],
    [5368709120, '5120 MiB', '+5120 MiB'],
    [3298534883328, '3072 GiB', '+3072 GiB'],
    [2251799813685248, '2048 TiB', '+2048 TiB'],
    [-5000, '-5000 B', '-5000 B'],
    [-20480, '-20.0 KiB', '-20.0 KiB'],
    [2406.4, '2406 B', '+2406 B'],
    [2501, '2501 B', '+2501 B'],
  ];
  test.each(PYTHON)('%p → %p / %p', (size, plain, signed) => {
    expect(formatSize(size)).toBe(plain);
    expect(formatSize(size, true)).toBe(signed);
  });

  // printf's %.0f / %.1f round exact ties to even; JS's toFixed rounds them up.
  const HALF_EVEN: [number, string, string][] = [
    [0.5, '0 B', '+0 B'],
    [1.5, '2 B', '+2 B'],
    [2.5, '2 B', '+2 B'],
    [3.5, '4 B', '+4 B'],
    [2501.5, '2502 B', '+2502 B'],
    [2502.5, '2502 B', '+2502 B'],
    [-0.5, '-0 B', '-0 B'],
    [-2.5, '-2 B', '-2 B'],
    [12.25 * 1024, '12.2 KiB', '+12.2 KiB'],
    [12.75 * 1024, '12.8 KiB', '+12.8 KiB'],
  ];
  test.each(HALF_EVEN)('half to even: %p → %p / %p', (size, plain, signed) => {
    expect(formatSize(size)).toBe(plain);
    expect(formatSize(size, true)).toBe(signed);
  });

  test('toFixedHalfEven only changes exact ties', () => {
    expect(toFixedHalfEven(2.5, 0)).toBe('2');
    expect(toFixedHalfEven(2.50001, 0)).toBe('3');
    expect(toFixedHalfEven(0.125, 2)).toBe('0.12');
    expect(toFixedHalfEven(0.375, 2)).toBe('0.38');
  });
});

describe('formatCount', () => {
  test("Python's %i and %+i", () => {
    expect(formatCount(80)).toBe('80');
    expect(formatCount(80, true)).toBe('+80');
    expect(formatCount(0, true)).toBe('+0');
    expect(formatCount(-1, true)).toBe('-1');
  });

  test('estimates are rounded to integers, without a negative zero', () => {
    expect(formatCount(2.5)).toBe('3');
    expect(formatCount(-0.4, true)).toBe('+0');
    expect(roundForDisplay(-0.4)).toBe(0);
    expect(Object.is(roundForDisplay(-0.4), 0)).toBe(true);
    expect(roundForDisplay(1234.5)).toBe(1235);
  });
});
