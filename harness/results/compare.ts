/**
 * Compare a baseline and a candidate sample set of one metric and give a verdict
 * (pure, no I/O). The nightly fails on 'regressed'; reports show the rest.
 *
 * THE RULE (per metric; threshold T, default 5 %; absolute threshold A in the metric's unit,
 * default none; significance level α, default 0.05):
 *
 *   change   = relativeChange(median(baseline), median(candidate)) (stats/relative-change.ts; the
 *              baseline median is > 0 here, so it is their ratio − 1), with a bootstrap CI (95 %)
 *              obtained by resampling both sets independently.
 *   p        = the Mann–Whitney U test, two-sided, EXACT up to 80 pooled samples
 *              (stats/exact-rank-test.ts; the normal approximation beyond).
 *   signif.  = p < α  AND  the CI of the change excludes 0.
 *   material = the CI reaches T on that side (|change| ≥ T cannot be ruled out).
 *
 *   regressed    signif. and material, in the bad direction (down for higher-is-better
 *                throughput/rate, up for lower-is-better latency);
 *   improved     the same in the good direction;
 *   unchanged    otherwise, if the whole CI lies inside (−T, +T);
 *   inconclusive otherwise (not significant, yet a change of T or more cannot be ruled out).
 *
 * FEW SAMPLES. With the exact test the sample sizes say what they can show: 3 vs 3 can never give
 * p below 0.10 (2 of the 20 ways to split 6 values), 4 vs 4 reaches 0.029, 5 vs 5 0.008. So 3 vs 3
 * can be 'unchanged' (the CI within ±T) but never 'regressed', and the reason says so instead of
 * "too few samples"; 4 vs 4 can be 'regressed'. Repetitions of one night are not independent of
 * that night's conditions: a verdict between two single runs says whether these repetitions
 * differ, not whether the software did; the run's own verdict is judged over nights
 * (night-verdicts.ts).
 *
 * NEAR ZERO (loss %, retransmits, jitter). When the baseline holds a value ≤ 0, or the absolute
 * threshold A is the larger of T·|median| and A, a relative change is either undefined or
 * meaningless (5 % of 0 is 0; one lost packet is "+∞ %"): the metric is judged on the difference
 * of medians in its unit against max(T·|median|, A), with the same exact test
 * (stats/absolute-threshold.ts). No relative CI is computed there, so no "−NaN %" is ever printed.
 *
 * WHY BOTH A THRESHOLD AND SIGNIFICANCE. A threshold alone ("median moved by more than 5 %")
 * raises alarms on noisy metrics and misses a real 5 % drop half the time (the observed change
 * of a true 5 % drop is below 5 % about half the time). Significance alone flags 0.5 % shifts
 * that nobody will act on once enough samples are taken. Kernel performance robots combine the
 * two in the same spirit: LKP's `lkp compare` reports a change only when it exceeds a distance
 * threshold relative to the runs' spread and hides noisy results by default (its `--distance`
 * and `--no-hide-noises` options). Here the spread test is a rank test (robust to the odd
 * outlier run) and "material" is judged on the CI, not the point estimate, so that a real change
 * of exactly T is caught with the CI's coverage (≈ 97.5 % one-sided) rather than with a coin
 * toss. `bench/repetition-power.ts` measures the resulting catch and false-alarm rates.
 */
import { compareWithFloor, materialFloor } from '../stats/absolute-threshold.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, median, type Interval } from '../stats/descriptive.ts';
import { exactMannWhitney, type ExactRankTest } from '../stats/exact-rank-test.ts';
import { DEFAULT_SEED } from '../stats/random.ts';
import { bootstrapRelativeChangeCi, relativeChange } from '../stats/relative-change.ts';

export { bootstrapRelativeChangeCi };

export type Direction = 'higher-is-better' | 'lower-is-better';
export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive';

export interface ComparePolicy {
  /** Smallest relative change that matters, as a fraction (0.05 = 5 %). */
  threshold: number;
  /** Smallest change that matters in the metric's unit (0: none); rules where the baseline sits at or near 0. */
  absoluteThreshold: number;
  /** Significance level of the rank test. */
  alpha: number;
  /** Fewer samples than this on either side gives 'inconclusive' (below 2 nothing can be said). */
  minSamples: number;
  /** Confidence level of the bootstrap CI of the change. */
  confidence: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_COMPARE_POLICY: Readonly<ComparePolicy> = Object.freeze({
  threshold: 0.05,
  absoluteThreshold: 0,
  alpha: 0.05,
  minSamples: 2,
  confidence: DEFAULT_CONFIDENCE,
  resamples: DEFAULT_RESAMPLES,
  seed: DEFAULT_SEED,
});

export interface Comparison {
  verdict: Verdict;
  /** One sentence a lab engineer can read in a report; never holds NaN or Infinity. */
  reason: string;
  direction: Direction;
  baseline: { n: number; median?: number };
  candidate: { n: number; median?: number };
  /** Relative change of the median, as a fraction (−0.05 = 5 % lower); absent when the baseline median is 0. */
  change?: number;
  /** Absent when judged in the metric's unit (near zero). */
  changeCi?: Interval;
  /** candidate − baseline medians, in the metric's unit, when judged that way. */
  difference?: number;
  /** The exact (or, past 80 pooled samples, asymptotic) Mann–Whitney test. */
  rankTest?: ExactRankTest;
  /** How the change was judged: relative (with its CI) or in the metric's unit against max(T·|median|, A). */
  basis?: 'relative' | 'absolute';
  policy: ComparePolicy;
}

const percent = (fraction: number): string => `${fraction >= 0 ? '+' : '−'}${(Math.abs(fraction) * 100).toFixed(1)} %`;
const short = (value: number): string => `${Number(value.toPrecision(2))}`;

export function compareSamples(
  baseline: readonly number[],
  candidate: readonly number[],
  direction: Direction,
  policy: Partial<ComparePolicy> = {},
): Comparison {
  const p: ComparePolicy = { ...DEFAULT_COMPARE_POLICY, ...policy };
  const base = { direction, policy: p };
  for (const [name, set] of [['baseline', baseline], ['candidate', candidate]] as const) {
    for (const value of set) {
      if (!Number.isFinite(value)) throw new RangeError(`compareSamples: ${name} sample ${String(value)} is not a finite number`);
    }
  }
  const need = Math.max(2, p.minSamples);
  if (baseline.length < need || candidate.length < need) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `too few samples (baseline ${baseline.length}, candidate ${candidate.length}; need at least ${need} each)`,
      baseline: { n: baseline.length, median: baseline.length > 0 ? median(baseline) : undefined },
      candidate: { n: candidate.length, median: candidate.length > 0 ? median(candidate) : undefined },
    };
  }
  const baselineMedian = median(baseline);
  const candidateMedian = median(candidate);
  const sides = {
    baseline: { n: baseline.length, median: baselineMedian },
    candidate: { n: candidate.length, median: candidateMedian },
  };
  // A baseline value at or below 0 makes resampled ratios 0/0 or x/0: judge in the metric's unit.
  if (baseline.some((v) => v <= 0) || materialFloor(baselineMedian, p.threshold, p.absoluteThreshold).basis === 'absolute') {
    const f = compareWithFloor(baseline, candidate, direction, { threshold: p.threshold, absoluteThreshold: p.absoluteThreshold, alpha: p.alpha });
    return {
      ...base, ...sides, verdict: f.verdict, reason: f.reason, difference: f.difference, rankTest: f.test, basis: 'absolute',
      ...(f.change === undefined ? {} : { change: f.change }),
    };
  }

  const change = relativeChange(baselineMedian, candidateMedian) as number; // the baseline median is > 0 here
  const changeCi = bootstrapRelativeChangeCi(baseline, candidate, p);
  const rankTest = exactMannWhitney(baseline, candidate);
  const measured = { ...base, ...sides, change, changeCi, rankTest, basis: 'relative' as const };

  const significant = rankTest.p < p.alpha && (changeCi.low > 0 || changeCi.high < 0);
  const up = changeCi.low > 0;
  const material = up ? changeCi.high >= p.threshold : changeCi.low <= -p.threshold;
  const test = rankTest.method === 'exact' ? 'exact p' : 'p';
  const described = `median ${percent(change)} (CI ${percent(changeCi.low)} to ${percent(changeCi.high)}, ${test} = ${rankTest.p.toPrecision(2)})`;
  const limit = `${(p.threshold * 100).toFixed(1)} %`;

  if (significant && material) {
    const better = up === (direction === 'higher-is-better');
    return {
      ...measured,
      verdict: better ? 'improved' : 'regressed',
      reason: `${described}: significant, and a change of ${limit} or more is within the CI`,
    };
  }
  if (changeCi.low > -p.threshold && changeCi.high < p.threshold) {
    return {
      ...measured,
      verdict: 'unchanged',
      reason: significant
        ? `${described}: significant but smaller than the ${limit} threshold`
        : `${described}: no significant change, and any change is smaller than ${limit}`,
    };
  }
  // Say whether more repetitions could help at all: the sizes may not reach the level whatever the values.
  const unreachable = rankTest.smallestP >= p.alpha;
  return {
    ...measured,
    verdict: 'inconclusive',
    reason: unreachable
      ? `${described}: ${baseline.length} vs ${candidate.length} samples cannot give p below ${short(rankTest.smallestP)} (level ${p.alpha}), whatever the values; take more repetitions, or judge over nights`
      : `${described}: not significant, yet a change of ${limit} cannot be ruled out; take more repetitions`,
  };
}
