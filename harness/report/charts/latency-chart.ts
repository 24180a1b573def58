/** Latency distribution per mode, idle and under load: p50, p90, p99 side by side. */
import { chartUnit } from '../../measure/format-value.ts';
import { find, modesOf, type MetricSummary } from '../../results/metric-summary.ts';
import { SERIES_COLOURS, titled, type ChartSpec } from './chart-spec.ts';

const PERCENTILES = ['p50', 'p90', 'p99'] as const;

export function latencyChart(summaries: readonly MetricSummary[]): ChartSpec | undefined {
  const latency = summaries.filter((s) => s.metric.startsWith('latency.'));
  if (latency.length === 0) return undefined;
  const groups = modesOf(latency).flatMap((mode) => (['idle', 'load'] as const)
    .filter((when) => PERCENTILES.some((p) => find(latency, mode, `latency.${when}.${p}`)))
    .map((when) => ({ mode, when })));
  const unit = chartUnit('s', Math.max(...latency.map((s) => s.median)));
  return {
    id: 'latency',
    title: 'Latency distribution',
    alt: `Bar chart: latency p50/p90/p99 in ${unit.label} for ${groups.map((g) => `${g.mode} ${g.when}`).join(', ')}`,
    config: {
      type: 'bar',
      data: {
        labels: groups.map((g) => `${g.mode} ${g.when}`),
        datasets: PERCENTILES.map((p, i) => ({
          label: p,
          backgroundColor: SERIES_COLOURS[i],
          data: groups.map((g) => {
            const s = find(latency, g.mode, `latency.${g.when}.${p}`);
            return s ? s.median / unit.divisor : null;
          }),
        })),
      },
      options: titled('Round-trip latency, idle and under load (median of repetitions)', unit.label),
    },
  };
}
