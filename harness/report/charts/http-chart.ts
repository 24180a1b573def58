/** HTTP request rate per mode (median, CI error bars). */
import { find, modesOf, type MetricSummary } from '../../results/metric-summary.ts';
import { errorBarsPlugin, type ErrorBar } from './chart-plugins.ts';
import { MODE_COLOURS, titled, type ChartSpec } from './chart-spec.ts';

export function httpChart(summaries: readonly MetricSummary[]): ChartSpec | undefined {
  const modes = modesOf(summaries.filter((s) => s.metric === 'http.rate'));
  if (modes.length === 0) return undefined;
  const bars: ErrorBar[] = [];
  const data = modes.map((mode, index) => {
    const s = find(summaries, mode, 'http.rate')!;
    bars.push({ datasetIndex: 0, index, low: s.ci.low, high: s.ci.high });
    return s.median;
  });
  return {
    id: 'http-rate',
    title: 'HTTP request rate',
    alt: `Bar chart: HTTP requests per second per mode (${modes.join(', ')}), with error bars`,
    config: {
      type: 'bar',
      data: { labels: [...modes], datasets: [{ label: 'HTTP rate', data, backgroundColor: modes.map((m) => MODE_COLOURS[m]) }] },
      options: { ...titled('HTTP request rate per mode (median, 95 % CI)', 'req/s'), plugins: { title: { display: true, text: 'HTTP request rate per mode (median, 95 % CI)' }, legend: { display: false } } },
      plugins: [errorBarsPlugin(bars)],
    },
  };
}
