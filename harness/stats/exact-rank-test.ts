/**
 * The exact two-sided Mann–Whitney (Wilcoxon rank-sum) test, for the few samples a virtual-lab
 * night has (3 vs 3, 5 vs 5), where the normal approximation is off. Pure.
 *
 * Under "no difference" every way of picking which n₁ of the pooled values are the baseline is
 * equally likely; the p-value is the share of those C(n, n₁) picks whose U is at least as far from
 * n₁n₂/2 as the observed one. Ties keep their average ranks, so the distribution is exact with
 * ties too (a conditional test). It is counted by dynamic programming over rank sums (in half
 * ranks, which are integers), not by listing the picks, so 30 vs 30 costs milliseconds.
 *
 * What it shows: the smallest p a sample size can give at all. With 3 vs 3 and no ties the most
 * extreme split has 2 of 20 picks, so p ≥ 0.10 whatever the values; 5 vs 5 reaches 2/252 = 0.008.
 * That is why a 3-repetition night cannot be judged against one other night by its repetitions,
 * and why the night is the unit (night-verdict.ts).
 */
import { averageRanks, mannWhitneyU } from './mann-whitney.ts';

export interface ExactRankTest {
  /** U of the first sample set (pairs with x > y, ties ½). */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** The smallest two-sided p-value these sample sizes (and ties) can give. */
  smallestP: number;
  /** 'exact' up to `maxPooled` pooled samples, 'asymptotic' (normal approximation) beyond. */
  method: 'exact' | 'asymptotic';
}

/** Pooled sample count up to which the exact distribution is counted. */
export const MAX_EXACT_POOLED = 80;

/** counts[s] = number of ways to pick k of the items whose half-rank sum is s. */
function rankSumCounts(halfRanks: readonly number[], k: number): Float64Array {
  const maxSum = halfRanks.reduce((a, b) => a + b, 0);
  // ways[j][s], j = items picked so far (0..k), rolled over the items.
  const ways = Array.from({ length: k + 1 }, () => new Float64Array(maxSum + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (const r of halfRanks) {
    for (let j = k; j >= 1; j--) {
      const to = ways[j] as Float64Array;
      const from = ways[j - 1] as Float64Array;
      for (let s = maxSum; s >= r; s--) to[s] = (to[s] as number) + (from[s - r] as number);
    }
  }
  return ways[k] as Float64Array;
}

export function exactMannWhitney(x: readonly number[], y: readonly number[], maxPooled = MAX_EXACT_POOLED): ExactRankTest {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('exactMannWhitney: both sample sets need at least one sample');
  for (const value of [...x, ...y]) {
    if (!Number.isFinite(value)) throw new RangeError(`exactMannWhitney: sample ${String(value)} is not a finite number`);
  }
  const asymptotic = mannWhitneyU(x, y);
  if (n1 + n2 > maxPooled) return { u: asymptotic.u, p: asymptotic.p, smallestP: 0, method: 'asymptotic' };

  const { ranks } = averageRanks([...x, ...y]);
  const halfRanks = ranks.map((r) => Math.round(2 * r));
  const counts = rankSumCounts(halfRanks, n1);
  const total = counts.reduce((a, b) => a + b, 0);
  // U = R − n₁(n₁+1)/2, in half ranks: 2U = S − n₁(n₁+1). Distance from the centre n₁n₂/2, doubled.
  const offset = n1 * (n1 + 1);
  const centre2 = n1 * n2;
  const observed = Math.abs(2 * asymptotic.u - centre2);
  let atLeast = 0;
  let widest = 0;
  let atWidest = 0;
  counts.forEach((ways, s) => {
    if (ways === 0) return;
    const distance = Math.abs(s - offset - centre2);
    if (distance >= observed - 1e-9) atLeast += ways;
    if (distance > widest) { widest = distance; atWidest = 0; }
    if (distance === widest) atWidest += ways;
  });
  return { u: asymptotic.u, p: Math.min(1, atLeast / total), smallestP: Math.min(1, atWidest / total), method: 'exact' };
}
