/**
 * The trend of one metric over the history: per run, the median of each mode's samples, with
 * kernel upgrades marked where a run's kernel differs from the run before it.
 */
import { median } from '../../stats/descriptive.ts';
import { chartUnit } from '../../measure/format-value.ts';
import type { RunMedian } from '../../results/history.ts';
import type { Sample } from '../../results/schema.ts';
import { MODE_ORDER } from '../metric-summary.ts';
import { verticalMarkersPlugin, type VerticalMarker } from './chart-plugins.ts';
import { MODE_COLOURS, titled, type ChartSpec } from './chart-spec.ts';

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

export function kernelUpgrades(runs: readonly TrendRun[]): VerticalMarker[] {
  const markers: VerticalMarker[] = [];
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.kernel !== runs[i - 1]!.kernel) markers.push({ index: i, label: `kernel ${runs[i]!.kernel}` });
  }
  return markers;
}

export function trendChart(metric: string, unit: Sample['unit'], runs: readonly TrendRun[], series: Map<string, (number | undefined)[]>): ChartSpec {
  const largest = Math.max(0, ...[...series.values()].flatMap((s) => s.filter((v): v is number => v !== undefined)));
  const u = chartUnit(unit, largest);
  const modes = MODE_ORDER.filter((m) => series.has(m));
  const markers = kernelUpgrades(runs);
  const dense = runs.length > 60;
  return {
    id: `trend-${metric}`,
    title: `Trend: ${metric}`,
    alt: `Line chart: ${metric} (${u.label}) per run over ${runs.length} runs for ${modes.join(', ')}; ${markers.length} kernel upgrade(s) marked`,
    config: {
      type: 'line',
      data: {
        labels: runs.map((r) => r.startedAt.slice(0, 10)),
        datasets: modes.map((mode) => ({
          label: mode,
          data: series.get(mode)!.map((v) => (v === undefined ? null : v / u.divisor)),
          borderColor: MODE_COLOURS[mode],
          backgroundColor: MODE_COLOURS[mode],
          pointRadius: dense ? 0 : 2,
          borderWidth: dense ? 1 : 2,
          spanGaps: true,
        })),
      },
      options: { ...titled(`${metric} over ${runs.length} runs (median per run; dashed: kernel upgrades)`, u.label), scales: { y: { title: { display: true, text: u.label } }, x: { ticks: { maxTicksLimit: 12, maxRotation: 0 } } } },
      plugins: [verticalMarkersPlugin(markers)],
    },
  };
}
