/** TCP throughput per mode (tx and rx medians) with CI error bars and the line-rate mark. */
import { chartUnit } from '../../measure/format-value.ts';
import { find, modesOf, type MetricSummary } from '../../results/metric-summary.ts';
import { errorBarsPlugin, horizontalMarkPlugin, type ErrorBar } from './chart-plugins.ts';
import { SERIES_COLOURS, titled, type ChartSpec } from './chart-spec.ts';

const SERIES = [['tcp.tx.throughput', 'TCP guest → peer'], ['tcp.rx.throughput', 'TCP peer → guest'], ['udp.tx.throughput', 'UDP guest → peer']] as const;

/** Line rate in bit/s, from a mode's throughput and its tcp.tx.line_rate (% of line rate). */
export function lineRateBps(summaries: readonly MetricSummary[]): number | undefined {
  for (const s of summaries) {
    if (s.metric !== 'tcp.tx.line_rate' || s.median <= 0) continue;
    const tp = find(summaries, s.mode, 'tcp.tx.throughput');
    if (tp) return tp.median / (s.median / 100);
  }
  return undefined;
}

export function throughputChart(summaries: readonly MetricSummary[]): ChartSpec | undefined {
  const modes = modesOf(summaries.filter((s) => s.metric.endsWith('.throughput')));
  const series = SERIES.filter(([metric]) => modes.some((m) => find(summaries, m, metric)));
  if (series.length === 0) return undefined;
  const lineRate = lineRateBps(summaries);
  const largest = Math.max(lineRate ?? 0, ...summaries.filter((s) => s.unit === 'bit/s').map((s) => s.ci.high));
  const unit = chartUnit('bit/s', largest);
  const bars: ErrorBar[] = [];
  const datasets = series.map(([metric, label], datasetIndex) => ({
    label,
    backgroundColor: SERIES_COLOURS[datasetIndex],
    data: modes.map((mode, index) => {
      const s = find(summaries, mode, metric);
      if (s) bars.push({ datasetIndex, index, low: s.ci.low / unit.divisor, high: s.ci.high / unit.divisor });
      return s ? s.median / unit.divisor : null;
    }),
  }));
  const plugins = [errorBarsPlugin(bars)];
  if (lineRate) plugins.push(horizontalMarkPlugin(lineRate / unit.divisor, `line rate ${(lineRate / unit.divisor).toPrecision(3)} ${unit.label}`));
  const base = titled('Throughput per mode (median, 95 % CI)', unit.label);
  return {
    id: 'throughput',
    title: 'Throughput per mode',
    alt: `Bar chart: ${series.map(([, l]) => l).join(', ')} per mode (${modes.join(', ')}) in ${unit.label}, with error bars${lineRate ? ' and the line rate' : ''}`,
    config: {
      type: 'bar',
      data: { labels: [...modes], datasets },
      options: { ...base, scales: { y: { ...base.scales.y, suggestedMax: lineRate ? (lineRate / unit.divisor) * 1.08 : undefined } } },
      plugins,
    },
  };
}
