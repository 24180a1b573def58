/**
 * Change points over the history (issue 12, point 2). A series is host × mode × guest × metric,
 * one point a run: the run's night value of that metric (run_medians: the Hodges–Lehmann estimate of
 * its repetitions, warm-ups excluded; the column keeps the name median). Each series
 * goes through E-divisive means (stats/change-points.ts: distance exponent 1.9, level 0.006, 999
 * permutations), see DEFAULT_CHANGE_OPTIONS for why, for long histories and for how false alarms
 * across the series are kept in check. A change is
 * listed when it is material (change-points.ts isMaterial: its confidence interval reaches the
 * change that matters, max(threshold · |level|, absolute threshold), on the side it moved to: the
 * night verdict's floor). A change from a median of 0 has no relative size: it is listed when it
 * reaches the metric's absolute threshold (built in for loss, retransmits and jitter; --absolute),
 * or, for a metric without one, whenever it is significant.
 *
 * One odd night between nights at one level is an outlier night, reported once and not as a
 * change; a change whose level a later change undoes is superseded (change-episodes.ts says
 * why and exactly when).
 *
 * Each change names the first run after it, the run before, its size with a CI, its p-value,
 * whether it is for the worse, its status and what differs between the two runs' metadata.
 * Status: acknowledged when `changes ack` recorded it for that run and metric; else superseded
 * when a later change brought the level back; else open. Only an open change for the worse
 * fails `passbench changes`.
 */
import { describeChanges, isMaterial, type ChangePointOptions } from '../stats/change-points.ts';
import { findChangePointsOfAll } from './parallel-change-points.ts';
import type { Interval } from '../stats/descriptive.ts';
import { relativeChange } from '../stats/relative-change.ts';
import { episodes, supersededBy } from './change-episodes.ts';
import type { Acknowledgement, History, RunMedian } from './history.ts';
import { runDifferences, type Differences } from './run-differences.ts';
import type { Mode, RunMeta, Sample } from './schema.ts';

export interface ChangeQuery {
  host?: string;
  mode?: Mode;
  metric?: string;
  /** ISO time: only changes whose first run started at or after it (the search still uses every night). */
  since?: string;
  /**
   * Smallest relative change that matters, per metric (0.05 = 5 %): what is material, and how
   * near a level counts as the same level (outlier nights, superseded changes).
   */
  threshold: (metric: string) => number;
  /** Smallest change that matters in the metric's unit, per metric (0: none); the floor is the larger. */
  absoluteThreshold?: (metric: string) => number;
  /** List every significant change, material or not (what `changes ack` checks against). */
  listAll?: boolean;
  options?: Partial<ChangePointOptions>;
}

export interface SeriesChange {
  host: string;
  mode: Mode;
  guest: string;
  metric: string;
  unit: Sample['unit'];
  direction: Sample['direction'];
  /** First run after the change, and the run before it. */
  runId: string;
  previousRunId: string;
  startedAt: string;
  /** Medians of the night values on either side (up to the neighbouring changes). */
  before: number;
  after: number;
  /** after / before − 1, with its bootstrap CI; absent when `before` is 0. */
  change?: number;
  ci?: Interval;
  pValue: number;
  /** For the worse, given the metric's direction. */
  regression: boolean;
  status: ChangeStatus;
  acknowledgement?: Omit<Acknowledgement, 'runId' | 'metric'>;
  /** The first run after the later change that brought the level back (also when acknowledged). */
  supersededBy?: string;
  /** Run metadata that differs between previousRunId and runId. */
  changed: Differences;
}

/** acknowledged (recorded by changes ack) wins over superseded (computed), which wins over open. */
export type ChangeStatus = 'open' | 'acknowledged' | 'superseded';

/** One night far off between nights at one level: reported once, never a change (change-episodes.ts). */
export interface OutlierNight {
  host: string;
  mode: Mode;
  guest: string;
  metric: string;
  unit: Sample['unit'];
  /** The odd night, and the night before it. */
  runId: string;
  previousRunId: string;
  startedAt: string;
  /** The night's value and the level before it (the median of the stretch before). */
  value: number;
  level: number;
  /** relativeChange(level, value); absent when the level is 0. */
  change?: number;
  /** The larger p-value of its two change points. */
  pValue: number;
}

/**
 * E-divisive's settings from the nightly rule as bench/power.ts tuned it while that rule searched
 * the newest nights with E-divisive (before recent-shift.ts): distance exponent 1.9 rather than 1
 * weighs a shift of the level more, which is what a step is; level 0.006 per series (below); 999
 * shuffles. A series longer than 100 runs is searched as block medians (change-points.ts
 * blockChangePoints): a shuffle costs O(points²), so a 1,000-run history took minutes of CPU value
 * by value and takes seconds this way (bench/changes.ts). Fewer shuffles when the first ones decide was tried
 * and left out: accepting a split none of the first 199 shuffles reach is exact (p = 0.005) but
 * the test then needs p ≤ 0.0056 instead of 0.006 at 999 shuffles (the price of looking twice),
 * and an 8-night 12 % dip in 24 nights that passes at p = 0.006 was lost.
 *
 * FALSE ALARMS ACROSS SERIES are bounded per series, not by Benjamini–Hochberg: a permutation
 * p-value is never below 1 / (shuffles + 1) = 0.001, and BH at q = 0.05 over 90 series needs the
 * smallest p-value at or below 0.05 / 90 = 0.00056, so it could never list anything. Instead each
 * series' first split is an exact permutation test at level 0.006 (the best split over the whole
 * series against the best of each shuffle), so of S series that did not change, at most 0.006·S
 * are expected to show a change point at all (0.54 for 90; the chance that any does is at most
 * 1 − 0.994^S, 42 % for 90, not 5 %), and a listed change must also be material, which the best
 * split of noise seldom is: bench/changes.ts counts the null series that list one.
 */
export const DEFAULT_CHANGE_OPTIONS: Readonly<Partial<ChangePointOptions>> = Object.freeze({ alpha: 1.9, significance: 0.006, permutations: 999, maxPoints: 100 });

/** Series in first-seen order; the points of each oldest first (runMedians' order). */
function seriesOf(medians: readonly RunMedian[]): RunMedian[][] {
  const groups = new Map<string, RunMedian[]>();
  for (const m of medians) {
    const key = [m.host, m.mode, m.guest, m.metric].join('\u0000');
    const list = groups.get(key);
    if (list) list.push(m);
    else groups.set(key, [m]);
  }
  return [...groups.values()];
}

const ackKey = (runId: string, metric: string): string => `${runId}\u0000${metric}`;

export interface ChangeSearch {
  /** How many series the query selected (0: the history holds nothing it asks about). */
  series: number;
  changes: SeriesChange[];
  outliers: OutlierNight[];
}

export async function findChanges(history: History, q: ChangeQuery): Promise<ChangeSearch> {
  return findChangesIn(history, await history.runMedians({ host: q.host, mode: q.mode, metric: q.metric }), q);
}

/**
 * The same search over night values already read (history.runMedians with q's host, mode and
 * metric): the dashboard reads them once for its trends and its change points.
 */
export async function findChangesIn(history: History, medians: readonly RunMedian[], q: ChangeQuery): Promise<ChangeSearch> {
  const directions = await history.metricDirections();
  const acks = new Map((await history.acknowledgements()).map((a) => [ackKey(a.runId, a.metric), a]));
  const metas = new Map<string, Promise<RunMeta | undefined>>();
  const metaOf = (runId: string) => {
    if (!metas.has(runId)) metas.set(runId, history.runMeta(runId));
    return metas.get(runId)!;
  };
  const changes: SeriesChange[] = [];
  const outliers: OutlierNight[] = [];
  const all = seriesOf(medians);
  const options = { ...DEFAULT_CHANGE_OPTIONS, ...q.options };
  const valuesOf = all.map((series) => series.map((p) => p.median));
  const pointsOf = await findChangePointsOfAll(valuesOf, options);
  for (const [s, series] of all.entries()) {
    const first = series[0]!;
    const threshold = q.threshold(first.metric);
    const absolute = q.absoluteThreshold?.(first.metric) ?? 0;
    const values = valuesOf[s]!;
    const found = episodes(pointsOf[s]!, threshold, absolute);
    // Without the outlier nights' pairs, each change's stretches run to the next change that stays.
    const kept = found.outliers.length === 0 ? found.changes : describeChanges(values, found.changes, options);
    const where = { host: first.host, mode: first.mode, guest: first.guest, metric: first.metric, unit: first.unit };
    for (const { night, back } of found.outliers) {
      const at = series[night.index]!;
      if (q.since !== undefined && at.startedAt < q.since) continue;
      const change = relativeChange(night.before.median, at.median);
      outliers.push({
        ...where, runId: at.runId, previousRunId: series[night.index - 1]!.runId, startedAt: at.startedAt,
        value: at.median, level: night.before.median, ...(change === undefined ? {} : { change }), pValue: Math.max(night.pValue, back.pValue),
      });
    }
    const superseding = supersededBy(kept, threshold, absolute);
    for (const [i, c] of kept.entries()) {
      const at = series[c.index]!;
      const previous = series[c.index - 1]!;
      if (q.since !== undefined && at.startedAt < q.since) continue;
      if (q.listAll !== true && !isMaterial(c, threshold, absolute)) continue;
      const direction = directions.get(first.metric) ?? 'higher-is-better';
      const ack = acks.get(ackKey(at.runId, first.metric));
      const by = superseding[i] === undefined ? undefined : series[kept[superseding[i]!]!.index]!.runId;
      const [was, is] = await Promise.all([metaOf(previous.runId), metaOf(at.runId)]);
      changes.push({
        ...where, direction,
        runId: at.runId, previousRunId: previous.runId, startedAt: at.startedAt,
        before: c.before.median, after: c.after.median,
        ...(c.change === undefined ? {} : { change: c.change, ci: c.ci }),
        pValue: c.pValue,
        regression: direction === 'higher-is-better' ? c.difference < 0 : c.difference > 0,
        status: ack !== undefined ? 'acknowledged' : by !== undefined ? 'superseded' : 'open',
        ...(ack === undefined ? {} : { acknowledgement: { by: ack.by, why: ack.why, at: ack.at } }),
        ...(by === undefined ? {} : { supersededBy: by }),
        changed: was && is ? runDifferences(was, is, first.host) : {},
      });
    }
  }
  const order = <T extends { startedAt: string; runId: string; host: string; mode: string; guest: string; metric: string }>(a: T, b: T) =>
    a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId)
    || [a.host, a.mode, a.guest, a.metric].join(' ').localeCompare([b.host, b.mode, b.guest, b.metric].join(' '));
  return { series: all.length, changes: changes.sort(order), outliers: outliers.sort(order) };
}

/** An open change for the worse: what makes `passbench changes` exit 1. */
export function openRegressions(changes: readonly SeriesChange[]): SeriesChange[] {
  return changes.filter((c) => c.status === 'open' && c.regression);
}
