/**
 * Change points over the history (issue 12, point 2). A series is host × mode × guest × metric,
 * one point a run: the run's median of that metric (run_medians, warm-ups excluded). Each series
 * goes through E-divisive means (stats/change-points.ts) with the settings tuned for the nightly
 * rule (stats/nightly-watch.ts: distance exponent 1.9, level 0.006, 999 permutations), so that
 * about 90 series a night do not raise several false changes between them (at E-divisive's usual
 * level 0.05 they would: about one series in twenty). A change is listed when it is material: its
 * confidence interval reaches the metric's threshold on the side it moved to (as nightly-watch
 * judges a new change). A change from a median of 0 has no relative size and is listed whenever
 * it is significant (no absolute thresholds here yet).
 *
 * Each change names the first run after it, the run before, its size with a CI, its p-value,
 * whether it is for the worse, its status (acknowledged when `changes ack` recorded it for that
 * run and metric, else open) and what differs between the two runs' metadata.
 */
import { findChangePoints, type ChangePoint, type ChangePointOptions } from '../stats/change-points.ts';
import type { Interval } from '../stats/descriptive.ts';
import { DEFAULT_WATCH_POLICY } from '../stats/nightly-watch.ts';
import type { Acknowledgement, History, RunMedian } from './history.ts';
import { runDifferences, type Differences } from './run-differences.ts';
import type { Mode, RunMeta, Sample } from './schema.ts';

export interface ChangeQuery {
  host?: string;
  mode?: Mode;
  metric?: string;
  /** ISO time: only changes whose first run started at or after it (the search still uses every night). */
  since?: string;
  /** Smallest relative change that matters, per metric (0.05 = 5 %); 0 lists every significant change. */
  threshold: (metric: string) => number;
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
  status: 'open' | 'acknowledged';
  acknowledgement?: Omit<Acknowledgement, 'runId' | 'metric'>;
  /** Run metadata that differs between previousRunId and runId. */
  changed: Differences;
}

export const DEFAULT_CHANGE_OPTIONS: Readonly<Partial<ChangePointOptions>> = Object.freeze({ ...DEFAULT_WATCH_POLICY.changes });

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

/** Does the change's interval reach the threshold on the side it moved to? */
function material(c: ChangePoint, threshold: number): boolean {
  if (c.change === undefined || c.ci === undefined) return c.difference !== 0;
  const reach = c.change < 0 ? -c.ci.low : c.ci.high;
  return reach >= threshold;
}

const ackKey = (runId: string, metric: string): string => `${runId}\u0000${metric}`;

export interface ChangeSearch {
  /** How many series the query selected (0: the history holds nothing it asks about). */
  series: number;
  changes: SeriesChange[];
}

export async function findChanges(history: History, q: ChangeQuery): Promise<ChangeSearch> {
  const medians = await history.runMedians({ host: q.host, mode: q.mode, metric: q.metric });
  const directions = await history.metricDirections();
  const acks = new Map((await history.acknowledgements()).map((a) => [ackKey(a.runId, a.metric), a]));
  const metas = new Map<string, Promise<RunMeta | undefined>>();
  const metaOf = (runId: string) => {
    if (!metas.has(runId)) metas.set(runId, history.runMeta(runId));
    return metas.get(runId)!;
  };
  const changes: SeriesChange[] = [];
  const all = seriesOf(medians);
  for (const series of all) {
    const first = series[0]!;
    const points = findChangePoints(series.map((p) => p.median), { ...DEFAULT_CHANGE_OPTIONS, ...q.options });
    for (const c of points) {
      const at = series[c.index]!;
      const previous = series[c.index - 1]!;
      if (q.since !== undefined && at.startedAt < q.since) continue;
      if (!material(c, q.threshold(first.metric))) continue;
      const direction = directions.get(first.metric) ?? 'higher-is-better';
      const ack = acks.get(ackKey(at.runId, first.metric));
      const [was, is] = await Promise.all([metaOf(previous.runId), metaOf(at.runId)]);
      changes.push({
        host: first.host, mode: first.mode, guest: first.guest, metric: first.metric, unit: first.unit, direction,
        runId: at.runId, previousRunId: previous.runId, startedAt: at.startedAt,
        before: c.before.median, after: c.after.median,
        ...(c.change === undefined ? {} : { change: c.change, ci: c.ci }),
        pValue: c.pValue,
        regression: direction === 'higher-is-better' ? c.difference < 0 : c.difference > 0,
        status: ack === undefined ? 'open' : 'acknowledged',
        ...(ack === undefined ? {} : { acknowledgement: { by: ack.by, why: ack.why, at: ack.at } }),
        changed: was && is ? runDifferences(was, is, first.host) : {},
      });
    }
  }
  changes.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId)
    || [a.host, a.mode, a.guest, a.metric].join(' ').localeCompare([b.host, b.mode, b.guest, b.metric].join(' ')));
  return { series: all.length, changes };
}

/** An open change for the worse: what makes `passbench changes` exit 1. */
export function openRegressions(changes: readonly SeriesChange[]): SeriesChange[] {
  return changes.filter((c) => c.status === 'open' && c.regression);
}
