// A straight-line trend and how sure we can be that it rises: the least
// squares slope of y over x, its standard error, and the one-sided p-value
// of Student's t-test on it. Used by the leak watch (lib/faces/leak-watch.ts).

/** The fitted trend of a series. */
export interface Trend {
  /** Least squares slope (units of y per unit of x). */
  slope: number;
  /** Standard error of the slope; 0 when the points lie exactly on a line. */
  slopeError: number;
  /** slope / slopeError (±Infinity on an exact line, 0 for a flat one). */
  t: number;
  /** Degrees of freedom, points − 2. */
  df: number;
  /** P(slope this large or larger | no trend): the one-sided p-value of the t-test (0 on an exact rising line). */
  pRising: number;
}

// ln Γ(x) for x > 0: Lanczos (g = 7, n = 9), ~15 significant digits.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

// Continued fraction of the incomplete beta function (modified Lentz).
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom. */
export function studentUpperTail(t: number, df: number): number {
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? tail : 1 - tail;
}

/**
 * The least squares line through (x[i], y[i]) and the t-test of its slope.
 * The p-value assumes independent, normal residuals; a series whose noise is
 * correlated in time makes it optimistic (the leak watch's bench measures
 * its real false-positive rate).
 * @throws {RangeError} fewer than 3 points, or lengths that differ
 */
export function linearTrend(x: ArrayLike<number>, y: ArrayLike<number>): Trend {
  const n = x.length;
  if (n !== y.length || n < 3)
    throw new RangeError(`a trend needs at least 3 points (x and y of one length), got ${n} and ${y.length}`);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const df = n - 2;
  if (sxx === 0) return { slope: 0, slopeError: 0, t: 0, df, pRising: 1 };
  const slope = sxy / sxx;
  let sse = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const residual = y[i] - my - slope * (x[i] - mx);
    sse += residual * residual;
    syy += (y[i] - my) * (y[i] - my);
  }
  // Residuals at the level of float rounding are an exact line.
  if (sse <= 1e-20 * syy || syy === 0) {
    const t = slope > 0 ? Infinity : slope < 0 ? -Infinity : 0;
    return { slope, slopeError: 0, t, df, pRising: slope > 0 ? 0 : 1 };
  }
  const slopeError = Math.sqrt(sse / df / sxx);
  const t = slope / slopeError;
  return { slope, slopeError, t, df, pRising: studentUpperTail(t, df) };
}
