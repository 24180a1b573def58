/**
 * The nightly rule for one series, as tuned by bench/power.ts: tonight raises an alarm when
 *   (a) its night verdict is 'regressed' (night-verdict.ts: tonight against the last good nights), or
 *   (b) the newest nights show a change for the worse (e-divisive.ts `tailChange`: the energy
 *       statistic and a permutation test, over splits that start within the last `lastNights`
 *       nights of the window), that is material (its interval reaches the threshold) and new (not
 *       within `sameChangeNights` of a change already known, open or acknowledged).
 * (a) catches a large step on its first night; (b) catches a smaller step a few nights on, when
 * the nights after it outweigh the noise of any single night. Why (b) looks only at the newest
 * nights: each night asks "did something change lately?"; searching every split of the history
 * (eDivisive, for reports) makes the shuffles' best statistic larger, so a step needs more nights
 * after it to pass the same level. The distance exponent 1.9 (rather than E-divisive's usual 1)
 * weighs a shift of the level more, which is what a step is (bench/power.ts --tune: a few points
 * more steps found at the same false-alarm rate).
 *
 * What it achieves (bench/power.ts, 200 series of 30 nights per cell, 3 % noise within a night,
 * 1 % between nights, 3 repetitions, night value = median): a 5 % step is found in 92.5 % of
 * series, on one of its first 5 nights in 79.5 % (by its 6th night in 83 %), and 5.0 % of series
 * without a step raise an alarm. The issue's target (90 % within 5 nights) is not reached with the
 * median of 3 repetitions: its variance is 1.35 times the mean's; with the night's mean the same
 * rule finds 87.5 % / 90.0 %. A studentized one-sided scan of the last 5 nights, calibrated by the
 * same permutations, did no better in a side test (81.7 % at 5.7 % of null series); a scan that
 * knew the true level and spread would reach about 97 %, so what is lost is the estimating of
 * both from 15 nights.
 * Pure; the caller keeps the statuses and the known changes (a history store, or the bench).
 */
import { describeChange, type ChangePoint, type ChangePointOptions } from './change-points.ts';
import { tailChange } from './e-divisive.ts';
import { judgeNight, type Direction, type Night, type NightPolicy, type NightVerdict } from './night-verdict.ts';

export interface WatchPolicy {
  night: Partial<NightPolicy>;
  /** Options of the tail search (alpha, significance, permutations, seed) and of the change's CI. */
  changes: Partial<ChangePointOptions>;
  /** The tail search looks for a change starting within this many newest nights. */
  lastNights: number;
  /** It compares them with at most this many nights (tonight included). */
  window: number;
  /** A change this close (in nights) to a known change is that change. */
  sameChangeNights: number;
}

/** Tuned by bench/power.ts (3 % noise within a night, 1 % between nights, 3 repetitions). */
export const DEFAULT_WATCH_POLICY: Readonly<WatchPolicy> = Object.freeze({
  night: { nights: 10, minNights: 5, alpha: 0.001, threshold: 0.05 },
  changes: { alpha: 1.9, significance: 0.006, permutations: 999 },
  lastNights: 5,
  window: 30,
  sameChangeNights: 2,
});

export interface NightWatch {
  verdict: NightVerdict;
  /** The newest change for the worse, when significant, material and new; indices into history + tonight. */
  newRegression?: ChangePoint;
  alarm: boolean;
}

/** Is the change for the worse, and can its interval reach the threshold (or the unit's floor)? */
function materialRegression(c: ChangePoint, direction: Direction, threshold: number, absoluteThreshold: number): boolean {
  const worse = direction === 'higher-is-better' ? c.difference < 0 : c.difference > 0;
  if (!worse) return false;
  if (absoluteThreshold > 0 && Math.abs(c.difference) >= absoluteThreshold) return true;
  if (c.ci === undefined || c.change === undefined) return absoluteThreshold === 0;
  const reach = direction === 'higher-is-better' ? -c.ci.low : c.ci.high;
  return reach >= threshold;
}

export function watchNight(
  history: readonly Night[],
  tonight: number,
  direction: Direction,
  knownChanges: readonly number[] = [],
  policy: Partial<WatchPolicy> = {},
): NightWatch {
  const p: WatchPolicy = { ...DEFAULT_WATCH_POLICY, ...policy };
  const nightPolicy = { ...DEFAULT_WATCH_POLICY.night, ...p.night };
  const changeOptions = { ...DEFAULT_WATCH_POLICY.changes, ...p.changes };
  const verdict = judgeNight(history, tonight, direction, nightPolicy);
  const values = [...history.map((n) => n.median), tonight];
  const offset = Math.max(0, values.length - p.window);
  const window = values.slice(offset);
  const found = window.length > p.lastNights ? tailChange(window, p.lastNights, changeOptions) : undefined;
  let newRegression: ChangePoint | undefined;
  if (found !== undefined && found.pValue <= (changeOptions.significance ?? 0.05)) {
    const described = describeChange(values, { ...found, index: found.index + offset }, offset, values.length, changeOptions);
    const known = knownChanges.some((k) => Math.abs(k - described.index) <= p.sameChangeNights);
    if (!known && materialRegression(described, direction, nightPolicy.threshold ?? 0.05, nightPolicy.absoluteThreshold ?? 0)) newRegression = described;
  }
  return { verdict, ...(newRegression === undefined ? {} : { newRegression }), alarm: verdict.verdict === 'regressed' || newRegression !== undefined };
}
