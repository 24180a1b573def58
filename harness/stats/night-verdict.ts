/**
 * Tonight's verdict for one series (host × mode × guest × metric × configuration), with the night
 * as the unit: one value a night, {@link nightValue} of that night's repetitions. Pure, no I/O.
 *
 * THE METHOD: a prediction interval. The baseline is the last N good nights (default 10); their
 * medians have a centre m (mean) and a spread s (standard deviation), and that spread already
 * holds both the noise within a night (through the median) and the drift from night to night.
 * If tonight is just another night like them, (tonight − m) / (s·√(1 + 1/N)) follows Student's t
 * with N − 1 degrees of freedom (exactly, for normal night medians), which gives the p-value and
 * the interval of tonight's difference from the baseline.
 *
 * WHY THIS AND NOT A TEST ON REPETITIONS: repetitions of one night share that night's conditions
 * (host state, boot, firmware timers), so between two nights they are not independent samples:
 * the Mann–Whitney test on them reads night-to-night drift as a change (at 2 % drift, one night in
 * five came out 'regressed' with no change at all). Here the drift is in s.
 * WHY NOT A RANK TEST OVER NIGHTS: tonight's rank among 11 nights cannot give p below 1/11.
 * WHY MEAN AND SD RATHER THAN MEDIAN AND MAD: the t distribution makes the interval exact for a
 * handful of nights; an odd night in the baseline inflates s, which costs power but never raises a
 * false alarm, and nights of an open change are kept out of the baseline anyway.
 *
 * A change is flagged when it is significant (p < alpha) AND material: the interval reaches the
 * threshold on that side. The threshold in the metric's unit is max(threshold·|m|, absolute), so a
 * metric that sits at or near 0 (loss %, retransmits, jitter) is judged on its absolute threshold
 * and a relative change is only given when m ≠ 0: no NaN, no "−100 %" of nothing.
 */
import { hodgesLehmann, mean, stddev } from './descriptive.ts';
import { relativeDifference } from './relative-change.ts';
import { studentTCdf, studentTQuantile } from './student-t.ts';

export type Direction = 'higher-is-better' | 'lower-is-better';
export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive';

/**
 * good: may serve as baseline; open-change: a night at or after a change nobody acknowledged yet
 * (never a baseline); failed: the night did not measure properly.
 */
export type NightStatus = 'good' | 'open-change' | 'failed';

/**
 * The night's value from its repetitions: their Hodges–Lehmann estimate (the median of all
 * pairwise means).
 *
 * WHY NOT THE MEDIAN, WHY NOT THE MEAN (bench/power.ts, bench/README.md; 3 % noise within a night,
 * 1 % between nights, a 5 % step, the nightly watch, 30-night series, three seed sets):
 * - 3 repetitions, normal noise (2000 series a set): the median of 3 has 1.35 times the variance of
 *   the mean; the step is found within 5 nights in 85–87 % of series with the median, 92.5–92.8 %
 *   with the mean, 91.8–92.8 % with Hodges–Lehmann (false alarms in 4.3–4.9 %, 3.0–3.8 % and
 *   3.2–3.9 % of flat series): only the mean and Hodges–Lehmann meet the target (90 %).
 * - 12 repetitions, 2 % of them 30 % low (a disturbed run; 1000 series): the mean raises a false
 *   alarm in 6.8 % of flat series, the median in 0.6 %, Hodges–Lehmann in 0.4 %; the step is
 *   found within 5 nights in 94 / 99 / 99 % of series.
 * - 3 repetitions with such odd runs: no estimate of 3 values is both precise and robust; false
 *   alarms in 34 % (mean), 22 % (Hodges–Lehmann), 8 % (median) of flat series. Where odd
 *   repetitions are common, run more of them.
 * So Hodges–Lehmann: as good as the mean where the noise is normal, as robust as the median where
 * there are enough repetitions.
 */
export function nightValue(repetitions: readonly number[]): number {
  return hodgesLehmann(repetitions);
}

export interface Night {
  /** The night's value: {@link nightValue} of its repetitions (the name is kept from when it was their median). */
  median: number;
  status: NightStatus;
}

export interface NightPolicy {
  /** How many good nights make the baseline (the most recent ones). */
  nights: number;
  /** Fewer good nights than this: 'inconclusive'. */
  minNights: number;
  /** Significance level (two-sided). */
  alpha: number;
  /** Smallest relative change that matters (0.05 = 5 %). */
  threshold: number;
  /** Smallest change that matters in the metric's unit; rules where the baseline is at or near 0. */
  absoluteThreshold: number;
}

export const DEFAULT_NIGHT_POLICY: Readonly<NightPolicy> = Object.freeze({
  nights: 10,
  minNights: 5,
  alpha: 0.01,
  threshold: 0.05,
  absoluteThreshold: 0,
});

export interface Interval {
  low: number;
  high: number;
}

export interface NightVerdict {
  verdict: Verdict;
  /** One sentence for a report; never contains NaN. */
  reason: string;
  tonight: number;
  baseline: { indices: number[]; centre: number; spread: number };
  /** tonight − centre, in the metric's unit, and its interval at confidence 1 − alpha. */
  difference?: number;
  differenceInterval?: Interval;
  /** The same relative to the centre; absent when the centre is 0. */
  change?: number;
  changeInterval?: Interval;
  pValue?: number;
  /** The smallest change tonight could be told from noise (interval half-width), in the unit. */
  detectable?: number;
}

/** Indices of the last `count` good nights of the history (oldest first). */
export function baselineNights(history: readonly Night[], count: number): number[] {
  const indices: number[] = [];
  for (let i = history.length - 1; i >= 0 && indices.length < count; i--) {
    if (history[i]?.status === 'good') indices.unshift(i);
  }
  return indices;
}

const signed = (value: number, digits = 3): string => `${value >= 0 ? '+' : '−'}${Number(Math.abs(value).toPrecision(digits))}`;
const percent = (fraction: number): string => `${signed(fraction * 100, 2)} %`;

/** Describes a difference relative to the centre when there is one, else in the metric's unit. */
function describe(difference: number, interval: Interval, centre: number): string {
  if (centre === 0) return `${signed(difference)} (interval ${signed(interval.low)} to ${signed(interval.high)}) from a baseline of 0`;
  const rel = (x: number): string => percent(relativeDifference(centre, x) as number);
  return `${rel(difference)} (interval ${rel(interval.low)} to ${rel(interval.high)})`;
}

/**
 * Judges tonight's value against baseline night values (the last good nights, or a pinned
 * release's nights).
 */
export function judgeAgainst(
  baseline: readonly number[],
  tonight: number,
  direction: Direction,
  policy: Partial<NightPolicy> = {},
  indices: number[] = baseline.map((_, i) => i),
): NightVerdict {
  const p: NightPolicy = { ...DEFAULT_NIGHT_POLICY, ...policy };
  if (!Number.isFinite(tonight)) throw new RangeError(`judgeNight: tonight's value ${String(tonight)} is not a finite number`);
  if (baseline.length < Math.max(2, p.minNights)) {
    return {
      verdict: 'inconclusive',
      reason: `only ${baseline.length} good night(s) to compare with; need at least ${Math.max(2, p.minNights)}`,
      tonight,
      baseline: { indices, centre: baseline.length > 0 ? mean(baseline) : 0, spread: 0 },
    };
  }
  const centre = mean(baseline);
  const spread = stddev(baseline);
  const n = baseline.length;
  const scale = spread * Math.sqrt(1 + 1 / n);
  const difference = tonight - centre;
  const critical = studentTQuantile(1 - p.alpha / 2, n - 1);
  const pValue = scale === 0 ? (difference === 0 ? 1 : 0) : 2 * (1 - studentTCdf(Math.abs(difference) / scale, n - 1));
  const half = critical * scale;
  const differenceInterval = { low: difference - half, high: difference + half };
  const floor = Math.max(p.threshold * Math.abs(centre), p.absoluteThreshold);
  const change = relativeDifference(centre, difference);
  const relative = change === undefined ? {} : {
    change,
    changeInterval: { low: relativeDifference(centre, differenceInterval.low) as number, high: relativeDifference(centre, differenceInterval.high) as number },
  };
  const measured = { tonight, baseline: { indices, centre, spread }, difference, differenceInterval, ...relative, pValue, detectable: half };

  const significant = pValue < p.alpha;
  const up = difference > 0;
  const material = up ? differenceInterval.high >= floor : differenceInterval.low <= -floor;
  const described = `tonight ${describe(difference, differenceInterval, centre)} against ${n} nights, p = ${pValue.toPrecision(2)}`;
  const limit = centre !== 0 && floor === p.threshold * Math.abs(centre) ? `${(p.threshold * 100).toFixed(1)} %` : `${Number(floor.toPrecision(3))}`;
  if (significant && material) {
    const better = up === (direction === 'higher-is-better');
    return { ...measured, verdict: better ? 'improved' : 'regressed', reason: `${described}: significant, and a change of ${limit} or more is within the interval` };
  }
  const none = differenceInterval.low === 0 && differenceInterval.high === 0; // identical nights: nothing moved
  if (none || (differenceInterval.low > -floor && differenceInterval.high < floor)) {
    return { ...measured, verdict: 'unchanged', reason: `${described}: any change is smaller than ${limit}` };
  }
  return {
    ...measured,
    verdict: 'inconclusive',
    reason: `${described}: not significant, yet a change of ${limit} cannot be ruled out tonight (change points over the coming nights will tell)`,
  };
}

/**
 * Tonight's verdict against the last `policy.nights` good nights of the history (chronological,
 * tonight not included). Nights of an open change and failed nights are never a baseline.
 */
export function judgeNight(history: readonly Night[], tonight: number, direction: Direction, policy: Partial<NightPolicy> = {}): NightVerdict {
  const count = policy.nights ?? DEFAULT_NIGHT_POLICY.nights;
  const indices = baselineNights(history, count);
  return judgeAgainst(indices.map((i) => (history[i] as Night).median), tonight, direction, policy, indices);
}
