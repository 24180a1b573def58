/**
 * Mann–Whitney U test (Wilcoxon rank-sum), two-sided, by the normal approximation with the
 * tie correction and a continuity correction — the same as SciPy's
 * `mannwhitneyu(x, y, method='asymptotic', use_continuity=True)`.
 *
 * Why this test: benchmark samples are not normal (long tails, the odd slow run, values
 * stuck at a line rate), so a t-test on means is easily fooled by one outlier. The U test
 * only looks at ranks, so one wild sample moves it by at most one rank.
 */
export interface MannWhitneyResult {
  /** U of the first sample set: the number of (x, y) pairs with x > y, ties counting ½. */
  u: number;
  /** Standardized statistic (after continuity correction); 0 when every value is tied. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/** Ranks 1..n of the values, ties given their average rank; also Σ(t³ − t) over tie groups. */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && order[end]?.value === order[start]?.value) end++;
    const rank = (start + 1 + end) / 2; // average of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[(order[k] as { index: number }).index] = rank;
    const t = end - start;
    tieTerm += t ** 3 - t;
    start = end;
  }
  return { ranks, tieTerm };
}

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU: both sample sets need at least one sample');
  const n = n1 + n2;
  const { ranks, tieTerm } = averageRanks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < n1; i++) rankSumX += ranks[i] as number;
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, p: 1 };
  const distance = Math.max(0, Math.abs(u - mu) - 0.5);
  const z = (Math.sign(u - mu) * distance) / Math.sqrt(variance);
  return { u, z, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) };
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Complementary error function, Chebyshev fit from Numerical Recipes (`erfcc`); fractional
 * error below 1.2e-7 everywhere, far finer than any p-value needs.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
    + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}
