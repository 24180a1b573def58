/**
 * Comparing two sample sets of a metric that may sit at or near 0 (loss %, retransmits, jitter):
 * a relative threshold means nothing there (5 % of 0 is 0; any lost packet is "+∞ %"), so the
 * change that matters is max(threshold·|baseline median|, absolute threshold), in the metric's
 * unit. Significance is the exact rank test (exact-rank-test.ts), which also tells when the
 * sample sizes cannot reach the level at all. Pure; every verdict has a reason without NaN.
 */
import { median } from './descriptive.ts';
import { exactMannWhitney, type ExactRankTest } from './exact-rank-test.ts';
import type { Direction, Verdict } from './night-verdict.ts';
import { relativeChange } from './relative-change.ts';

export interface FloorPolicy {
  /** Smallest relative change that matters (0.05 = 5 %). */
  threshold: number;
  /** Smallest change that matters in the metric's unit (e.g. 0.1 for loss in %); 0 = none. */
  absoluteThreshold: number;
  /** Significance level of the exact rank test. */
  alpha: number;
}

export const DEFAULT_FLOOR_POLICY: Readonly<FloorPolicy> = Object.freeze({ threshold: 0.05, absoluteThreshold: 0, alpha: 0.05 });

export interface FloorComparison {
  verdict: Verdict;
  reason: string;
  baselineMedian: number;
  candidateMedian: number;
  /** candidate − baseline medians, in the metric's unit. */
  difference: number;
  /** Relative to the baseline median; absent when that median is 0. */
  change?: number;
  /** The change that matters, in the unit, and which threshold set it. */
  floor: number;
  basis: 'relative' | 'absolute';
  test: ExactRankTest;
}

/** The smallest change that matters around `centre`, in the metric's unit, and which rule set it. */
export function materialFloor(centre: number, threshold: number, absoluteThreshold: number): { floor: number; basis: 'relative' | 'absolute' } {
  const relative = threshold * Math.abs(centre);
  return relative >= absoluteThreshold ? { floor: relative, basis: 'relative' } : { floor: absoluteThreshold, basis: 'absolute' };
}

const number = (value: number): string => `${Number(value.toPrecision(3))}`;

export function compareWithFloor(
  baseline: readonly number[],
  candidate: readonly number[],
  direction: Direction,
  policy: Partial<FloorPolicy> = {},
): FloorComparison {
  const p: FloorPolicy = { ...DEFAULT_FLOOR_POLICY, ...policy };
  const test = exactMannWhitney(baseline, candidate);
  const baselineMedian = median(baseline);
  const candidateMedian = median(candidate);
  const difference = candidateMedian - baselineMedian;
  const { floor, basis } = materialFloor(baselineMedian, p.threshold, p.absoluteThreshold);
  const change = relativeChange(baselineMedian, candidateMedian);
  const measured = { baselineMedian, candidateMedian, difference, ...(change === undefined ? {} : { change }), floor, basis, test };
  const shift = change === undefined
    ? `median ${number(baselineMedian)} → ${number(candidateMedian)} (${difference >= 0 ? '+' : '−'}${number(Math.abs(difference))})`
    : `median ${number(baselineMedian)} → ${number(candidateMedian)} (${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)} %)`;
  const limit = basis === 'absolute' ? `${number(floor)} (absolute threshold)` : `${(p.threshold * 100).toFixed(1)} %`;

  if (floor === 0) {
    return { ...measured, verdict: 'inconclusive', reason: `${shift}: the baseline median is 0 and the metric has no absolute threshold, so no change can be judged; give it one` };
  }
  if (Math.abs(difference) < floor) {
    return { ...measured, verdict: 'unchanged', reason: `${shift}: smaller than ${limit}` };
  }
  if (test.smallestP >= p.alpha) {
    return {
      ...measured,
      verdict: 'inconclusive',
      reason: `${shift}: ${baseline.length} vs ${candidate.length} samples cannot give p below ${number(test.smallestP)} (level ${p.alpha}); judge it over nights`,
    };
  }
  if (test.p >= p.alpha) {
    return { ...measured, verdict: 'inconclusive', reason: `${shift}: at least ${limit}, but not significant (exact p = ${number(test.p)})` };
  }
  const up = difference > 0;
  const better = up === (direction === 'higher-is-better');
  return { ...measured, verdict: better ? 'improved' : 'regressed', reason: `${shift}: at least ${limit} and significant (exact p = ${number(test.p)})` };
}
