/**
 * Compare a baseline and a candidate sample set of one metric and give a verdict
 * (pure, no I/O). The nightly fails on 'regressed'; reports show the rest.
 *
 * THE RULE (per metric; threshold T, default 5 %; significance level α, default 0.05):
 *
 *   change   = median(candidate) / median(baseline) − 1, with a bootstrap CI (95 %) obtained
 *              by resampling both sets independently.
 *   signif.  = Mann–Whitney U two-sided p < α  AND  the CI of the change excludes 0.
 *   material = the CI reaches T on that side (|change| ≥ T cannot be ruled out).
 *
 *   regressed    signif. and material, in the bad direction (down for higher-is-better
 *                throughput/rate, up for lower-is-better latency);
 *   improved     the same in the good direction;
 *   unchanged    otherwise, if the whole CI lies inside (−T, +T): any change there is smaller
 *                than anyone asked to be told about (a significant 1 % shift is 'unchanged',
 *                and the reason says it is significant);
 *   inconclusive otherwise (not significant, yet a change of T or more cannot be ruled out:
 *                more repetitions are needed), and whenever either side has fewer than
 *                `minSamples` samples or the baseline median is 0.
 *
 * WHY BOTH A THRESHOLD AND SIGNIFICANCE. A threshold alone ("median moved by more than 5 %")
 * raises alarms on noisy metrics and misses a real 5 % drop half the time (the observed change
 * of a true 5 % drop is below 5 % about half the time). Significance alone flags 0.5 % shifts
 * that nobody will act on once enough samples are taken. Kernel performance robots combine the
 * two in the same spirit: LKP's `lkp compare` reports a change only when it exceeds a distance
 * threshold relative to the runs' spread and hides noisy results by default (its `--distance`
 * and `--no-hide-noises` options); the Phoronix Test Suite, as far as we know (not checked
 * against its source here), adds runs while the spread of the first ones is large. Here the
 * spread test is a rank test (robust to the odd outlier run) and "material" is judged on the CI,
 * not the point estimate, so that a real change of exactly T is caught with the CI's
 * coverage (≈ 97.5 % one-sided) rather than with a coin toss. `bench/repetition-power.ts` measures the
 * resulting catch and false-alarm rates at the default repetitions.
 */
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, median, type Interval } from '../stats/descriptive.ts';
import { DEFAULT_SEED } from '../stats/random.ts';
import { mannWhitneyU, type MannWhitneyResult } from '../stats/mann-whitney.ts';
import { bootstrapRelativeChangeCi } from '../stats/relative-change.ts';

export { bootstrapRelativeChangeCi };

export type Direction = 'higher-is-better' | 'lower-is-better';
export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive';

export interface ComparePolicy {
  /** Smallest relative change that matters, as a fraction (0.05 = 5 %). */
  threshold: number;
  /** Significance level of the Mann–Whitney test. */
  alpha: number;
  /** Fewer samples than this on either side gives 'inconclusive'. */
  minSamples: number;
  /** Confidence level of the bootstrap CI of the change. */
  confidence: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_COMPARE_POLICY: Readonly<ComparePolicy> = Object.freeze({
  threshold: 0.05,
  alpha: 0.05,
  minSamples: 5,
  confidence: DEFAULT_CONFIDENCE,
  resamples: DEFAULT_RESAMPLES,
  seed: DEFAULT_SEED,
});

export interface Comparison {
  verdict: Verdict;
  /** One sentence a lab engineer can read in a report. */
  reason: string;
  direction: Direction;
  baseline: { n: number; median?: number };
  candidate: { n: number; median?: number };
  /** Relative change of the median, as a fraction (−0.05 = 5 % lower). */
  change?: number;
  changeCi?: Interval;
  mannWhitney?: MannWhitneyResult;
  policy: ComparePolicy;
}

const percent = (fraction: number): string => `${fraction >= 0 ? '+' : '−'}${(Math.abs(fraction) * 100).toFixed(1)} %`;

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
  if (baseline.length < p.minSamples || candidate.length < p.minSamples) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `too few samples (baseline ${baseline.length}, candidate ${candidate.length}; need at least ${p.minSamples} each)`,
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
  if (baselineMedian <= 0) {
    return { ...base, ...sides, verdict: 'inconclusive', reason: `baseline median is ${baselineMedian}: a relative change is undefined` };
  }

  const change = candidateMedian / baselineMedian - 1;
  const changeCi = bootstrapRelativeChangeCi(baseline, candidate, p);
  const mannWhitney = mannWhitneyU(baseline, candidate);
  const measured = { ...base, ...sides, change, changeCi, mannWhitney };

  const significant = mannWhitney.p < p.alpha && (changeCi.low > 0 || changeCi.high < 0);
  const up = changeCi.low > 0;
  const material = up ? changeCi.high >= p.threshold : changeCi.low <= -p.threshold;
  const described = `median ${percent(change)} (CI ${percent(changeCi.low)} to ${percent(changeCi.high)}, p = ${mannWhitney.p.toPrecision(2)})`;
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
  return {
    ...measured,
    verdict: 'inconclusive',
    reason: `${described}: not significant, yet a change of ${limit} cannot be ruled out; take more repetitions`,
  };
}
