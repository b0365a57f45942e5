// 95% confidence intervals of sampled estimates, from V8's sampling model.
// The derivation is in docs/error-bars.md; in short: a sum of sampled
// objects' weights is a Horvitz–Thompson estimate whose variance has an
// unbiased estimate from the samples themselves, and the interval is the
// Jeffreys interval of a Poisson count with the same mean and variance
// (an "effective" number of samples, each of an effective weight).

/** z of a two-sided 95% interval: the 97.5% quantile of the standard normal. */
const Z95 = 1.959963984540054;

/** What an interval of a sampled total needs (a size in bytes, or a count of objects). */
export interface SampledSum {
  /** The estimate: Σ over samples of (object's size or 1) × weight. */
  readonly value: number;
  /** Unbiased estimate of the estimate's variance: Σ (size or 1)² × weight × (weight − 1). 0 when exact. */
  readonly variance: number;
  /** What the samples prove exists (the sampled objects' bytes, or their number): the interval never goes below. */
  readonly floor: number;
  /**
   * For a sum of no samples, from a sampled snapshot: the weight one sample
   * would have had (bytes or objects). Seeing no sample does not prove there
   * was nothing: the interval is then [0, weight × G⁻¹(0.975; ½)], Jeffreys'
   * bound for zero events (about 2.5 samples' worth).
   */
  readonly unseenWeight?: number;
}

/** An exact total: its interval is the value itself. */
export function exactSum(value: number): SampledSum {
  return { value, variance: 0, floor: value };
}

// log Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0];
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized lower incomplete gamma function P(a, x) (series below a + 1, continued fraction above). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return Math.min(1, sum * front);
  }
  // Lentz's method on the continued fraction of Q(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - front * h);
}

/**
 * The `p` quantile of Gamma(a, 1), with `z` its standard normal quantile:
 * Wilson–Hilferty's cube-root normal approximation (relative error below
 * 1e-4 from a = 100 up), refined by Newton steps on P(a, x) below that.
 */
export function gammaQuantile(a: number, p: number, z: number): number {
  const c = 1 / (9 * a);
  let x = a * Math.pow(Math.max(1 - c + z * Math.sqrt(c), 1e-3), 3);
  if (a >= 100) return x;
  const logNorm = logGamma(a);
  for (let i = 0; i < 50; i++) {
    const f = gammaP(a, x) - p;
    const density = Math.exp((a - 1) * Math.log(x) - x - logNorm);
    if (!(density > 0)) break;
    let next = x - f / density;
    if (!(next > 0)) next = x / 2; // a step past 0 from the left tail: halve instead
    if (Math.abs(next - x) <= 1e-12 * x) return next;
    x = next;
  }
  return x;
}

/**
 * The 95% interval `[low, high]` of a sampled total. A point when the total
 * is exact (variance 0). Otherwise the Jeffreys interval of a Poisson count
 * ν = value² / variance, scaled by k = variance / value (so that the
 * interval's centre and spread match the estimate's), clamped to what the
 * samples prove: [floor, ∞). See docs/error-bars.md.
 */
export function interval95(sum: SampledSum): [number, number] {
  const { value, variance, floor } = sum;
  if (value === 0 && (sum.unseenWeight ?? 0) > 0) {
    return [0, (sum.unseenWeight as number) * gammaQuantile(0.5, 0.975, Z95)];
  }
  if (!(variance > 0) || !(value > 0)) return [value, value];
  const k = variance / value;
  const nu = value / k;
  const low = k * gammaQuantile(nu + 0.5, 0.025, -Z95);
  const high = k * gammaQuantile(nu + 0.5, 0.975, Z95);
  return [Math.min(Math.max(low, floor), value), Math.max(high, value)];
}

/**
 * The 95% interval of `a − b` for independent sampled totals: Newcombe and
 * Zou's MOVER (method of variance estimates recovery), which combines the
 * two intervals' distances from their estimates; it is `a`'s interval minus
 * `b` when `b` is exact, and keeps the skew of small counts.
 */
export function differenceInterval95(a: SampledSum, b: SampledSum): [number, number] {
  const [aLow, aHigh] = interval95(a);
  const [bLow, bHigh] = interval95(b);
  const d = a.value - b.value;
  return [d - Math.hypot(a.value - aLow, bHigh - b.value), d + Math.hypot(aHigh - a.value, b.value - bLow)];
}

/** True when a range of a change has some width and holds 0: the change may be sampling noise. */
export function withinNoise(range: readonly [number, number]): boolean {
  return range[0] < range[1] && range[0] <= 0 && range[1] >= 0;
}
