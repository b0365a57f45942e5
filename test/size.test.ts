// parseSize: units, decimal vs binary prefixes, and its error messages.
import { describeSize, parseSize } from '../lib/helpers/size';

describe('parseSize', () => {
  test.each([
    [2048, 2048],
    [0, 0],
    [1.5, 1.5],
    ['2048', 2048],
    ['12 B', 12],
    ['12B', 12],
    ['24 KiB', 24 * 1024],
    ['24KiB', 24 * 1024],
    ['24 kib', 24 * 1024],
    ['512K', 512 * 1024],
    ['512 k', 512 * 1024],
    ['1 KB', 1000],
    ['1 kB', 1000],
    ['1 MB', 1_000_000],
    ['1 MiB', 2 ** 20],
    ['1M', 2 ** 20],
    ['2 GB', 2e9],
    ['2 GiB', 2 * 2 ** 30],
    ['1 TB', 1e12],
    ['1 TiB', 2 ** 40],
    ['1.5 KB', 1500],
    ['0.5 KiB', 512],
    ['.5 KiB', 512],
    ['  24 KiB  ', 24 * 1024],
  ])('%p is %p bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test('rejects what is not a size, saying what is expected', () => {
    expect(() => parseSize('lots')).toThrow(
      'Invalid size "lots": expected a number and an optional unit, such as "24 KiB", "1 MB" or "512K"',
    );
    expect(() => parseSize('24 KBB')).toThrow(/Invalid size "24 KBB": unknown unit "KBB" \(known: B, K or KiB/);
    expect(() => parseSize('24 Kb s')).toThrow(/Invalid size/);
    expect(() => parseSize('1e3 KB')).toThrow(/Invalid size/);
    expect(() => parseSize('')).toThrow(/Invalid size ""/);
    expect(() => parseSize('-1 MB')).toThrow('Invalid size "-1 MB": a size cannot be negative');
  });

  test('errors are typed and coded like Node', () => {
    const bad = (value: unknown): unknown => {
      try {
        parseSize(value as string);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(bad('lots')).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    expect(bad(null)).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(bad({})).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(bad(-1)).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(bad(Number.NaN)).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(bad(Infinity)).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  });

  test('describeSize shows a limit as given and in bytes', () => {
    expect(describeSize('24 KiB')).toBe('24 KiB (24576 B)');
    expect(describeSize(2048)).toBe('2048 B');
  });
});
