/**
 * THE relative change, the one definition every part of passbench uses (change points, the
 * night verdict, the comparison of sample sets, thresholds): the difference from a base over the
 * base's magnitude, (after − before) / |before|. For a positive base it is after / before − 1; over
 * |before| its sign is always the sign of the difference (up is +, whatever the base's sign), which
 * after / before − 1 gets wrong for a negative base. A base of 0 has no relative change (not ±∞,
 * not NaN): callers then speak in the metric's unit. Also the bootstrap CI of the relative change
 * between two sample sets' medians. Pure, seeded.
 */
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, percentileOfSorted, resampledMedian, sortedCopy, type Interval } from './descriptive.ts';
import { createRandom, DEFAULT_SEED } from './random.ts';

/** A difference (in the metric's unit) relative to a base; undefined when the base is 0. */
export function relativeDifference(base: number, difference: number): number | undefined {
  return base === 0 ? undefined : difference / Math.abs(base);
}

/** (after − before) / |before|; undefined when before is 0. */
export function relativeChange(before: number, after: number): number | undefined {
  return relativeDifference(before, after - before);
}

/**
 * Is a change material: does its interval reach the threshold (a relative change, 0.05 = 5 %) on
 * the side the change moved to? "A change of at least the threshold cannot be ruled out."
 */
export function reachesThreshold(change: number, interval: Interval, threshold: number): boolean {
  return (change < 0 ? -interval.low : interval.high) >= threshold;
}

/**
 * Bootstrap CI of relativeChange(median(baseline), median(candidate)): each resample draws both
 * sets with replacement, independently. A resample whose baseline median is 0 counts as ±∞ (or 0
 * when the candidate's is 0 too), so it widens the interval rather than poisoning it with NaN.
 */
export function bootstrapRelativeChangeCi(
  baseline: readonly number[],
  candidate: readonly number[],
  options: { confidence?: number; resamples?: number; seed?: number } = {},
): Interval {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const sortedB = sortedCopy(baseline);
  const sortedC = sortedCopy(candidate);
  const countsB = new Int32Array(baseline.length);
  const countsC = new Int32Array(candidate.length);
  const changes = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const mb = resampledMedian(sortedB, countsB, random.int);
    const mc = resampledMedian(sortedC, countsC, random.int);
    changes[r] = relativeChange(mb, mc) ?? (mc === mb ? 0 : Math.sign(mc - mb) * Infinity);
  }
  changes.sort();
  const tail = (1 - confidence) / 2;
  return { low: percentileOfSorted(changes, tail), high: percentileOfSorted(changes, 1 - tail) };
}
