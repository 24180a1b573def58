/**
 * The trend of one metric over the history (per run, the median of each mode's samples:
 * results/trend-series.ts), with kernel upgrades marked where a run's kernel differs from the run
 * before it.
 */
import { chartUnit } from '../../measure/format-value.ts';
import type { TrendRun } from '../../results/trend-series.ts';
import type { Sample } from '../../results/schema.ts';
import { MODE_ORDER } from '../../results/metric-summary.ts';
import { verticalMarkersPlugin, type VerticalMarker } from './chart-plugins.ts';
import { MODE_COLOURS, nightLabels, titled, type ChartSpec } from './chart-spec.ts';

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
        labels: nightLabels(runs.map((r) => r.startedAt)),
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
