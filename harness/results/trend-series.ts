/** The history as trend series: for each metric and mode, one value per run (what report/ draws). */
import { median } from '../stats/descriptive.ts';
import type { RunMedian } from './history.ts';

export interface TrendRun {
  runId: string;
  startedAt: string;
  kernel: string;
}

/**
 * Runs in time order and, per metric and mode, each run's median (undefined where not
 * measured; the median of the guests' medians when a mode had several guests).
 */
export function trendSeries(values: readonly RunMedian[]): { runs: TrendRun[]; medians: Map<string, Map<string, (number | undefined)[]>> } {
  const runs: TrendRun[] = [];
  const runIndex = new Map<string, number>();
  const buckets = new Map<string, Map<string, Map<number, number[]>>>();
  for (const v of values) {
    let index = runIndex.get(v.runId);
    if (index === undefined) {
      index = runs.push({ runId: v.runId, startedAt: v.startedAt, kernel: v.kernel }) - 1;
      runIndex.set(v.runId, index);
    }
    const byMode = buckets.get(v.metric) ?? new Map<string, Map<number, number[]>>();
    buckets.set(v.metric, byMode);
    const byRun = byMode.get(v.mode) ?? new Map<number, number[]>();
    byMode.set(v.mode, byRun);
    const list = byRun.get(index);
    if (list) list.push(v.median);
    else byRun.set(index, [v.median]);
  }
  const medians = new Map<string, Map<string, (number | undefined)[]>>();
  for (const [metric, byMode] of buckets) {
    const series = new Map<string, (number | undefined)[]>();
    for (const [mode, byRun] of byMode) series.set(mode, runs.map((_, i) => { const l = byRun.get(i); return l ? median(l) : undefined; }));
    medians.set(metric, series);
  }
  return { runs, medians };
}
