// The leak watch's statistics: least squares slope, its standard error, and
// Student's t upper tail, checked against closed forms and a hand computation.
import { incompleteBeta, linearTrend, studentUpperTail } from '../lib/model/trend';

describe('studentUpperTail', () => {
  // Closed forms of P(T > t) for 1, 2 and 3 degrees of freedom.
  const closed: Record<number, (t: number) => number> = {
    1: (t) => 0.5 - Math.atan(t) / Math.PI,
    2: (t) => 0.5 - t / (2 * Math.sqrt(2 + t * t)),
    3: (t) => 0.5 - (Math.atan(t / Math.sqrt(3)) + t / Math.sqrt(3) / (1 + (t * t) / 3)) / Math.PI,
  };
  test.each([1, 2, 3])('matches the closed form at %d degrees of freedom', (df) => {
    for (const t of [-3, -0.5, 0, 0.1, 1, 2.5, 10, 100]) {
      expect(studentUpperTail(t, df)).toBeCloseTo(closed[df](t), 10);
    }
  });

  test("matches the tables' critical values", () => {
    // t(0.975, 10) = 2.228139, t(0.995, 30) = 2.749996, t(0.95, 8) = 1.859548 (to 6 decimals).
    expect(studentUpperTail(2.228139, 10)).toBeCloseTo(0.025, 6);
    expect(studentUpperTail(2.749996, 30)).toBeCloseTo(0.005, 6);
    expect(studentUpperTail(1.859548, 8)).toBeCloseTo(0.05, 6);
    expect(studentUpperTail(Infinity, 4)).toBe(0);
    expect(studentUpperTail(-Infinity, 4)).toBe(1);
  });

  test('incompleteBeta at its ends and for a = b = 1 (the identity)', () => {
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
    for (const x of [0.1, 0.5, 0.9]) expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 12);
  });
});

describe('linearTrend', () => {
  test('a hand-computed fit: slope 0.6, standard error √0.08, t = 2.1213 with 3 df', () => {
    // y = 2.2 + 0.6x; residuals -0.8, 0.6, 1, -0.6, -0.2: SSE 2.4, s² 0.8, Sxx 10.
    const trend = linearTrend([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(trend.slope).toBeCloseTo(0.6, 12);
    expect(trend.slopeError).toBeCloseTo(Math.sqrt(0.08), 12);
    expect(trend.t).toBeCloseTo(0.6 / Math.sqrt(0.08), 12);
    expect(trend.df).toBe(3);
    const t = 0.6 / Math.sqrt(0.08);
    expect(trend.pRising).toBeCloseTo(
      0.5 - (Math.atan(t / Math.sqrt(3)) + t / Math.sqrt(3) / (1 + (t * t) / 3)) / Math.PI,
      10,
    );
  });

  test('an exact line: no error, certain', () => {
    expect(linearTrend([0, 1, 2, 3], [5, 7, 9, 11])).toEqual({
      slope: 2,
      slopeError: 0,
      t: Infinity,
      df: 2,
      pRising: 0,
    });
    expect(linearTrend([0, 1, 2, 3], [4, 4, 4, 4])).toMatchObject({ slope: 0, pRising: 1 });
    expect(linearTrend([0, 1, 2, 3], [9, 7, 5, 3])).toMatchObject({ slope: -2, pRising: 1 });
  });

  test('needs three points of one length', () => {
    expect(() => linearTrend([1, 2], [1, 2])).toThrow(RangeError);
    expect(() => linearTrend([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});
