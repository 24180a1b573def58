/**
 * Which charts a report holds, in order: this run's figures, then one trend per metric, drawn
 * with the modes that have at least MIN_TREND_NIGHTS nights of it (a first night's one-point
 * "trends" said nothing and made 12 of a virtual-lab report's 14 charts).
 */
import type { ChartSpec } from './charts/chart-spec.ts';
import { httpChart } from './charts/http-chart.ts';
import { latencyChart } from './charts/latency-chart.ts';
import { renderChart } from './charts/render-chart.ts';
import { throughputChart } from './charts/throughput-chart.ts';
import { trendChart } from './charts/trend-chart.ts';
import { trendSeries } from '../results/trend-series.ts';
import type { MetricSummary } from '../results/metric-summary.ts';
import type { ReportData } from '../results/report-data.ts';

export interface RenderedChart {
  spec: ChartSpec;
  dataUri: string;
}

/** Fewer nights than this: no trend line for that mode (nor a chart when no mode has enough). */
export const MIN_TREND_NIGHTS = 3;

export function reportCharts(data: ReportData, summaries: readonly MetricSummary[]): ChartSpec[] {
  const charts = [throughputChart(summaries), latencyChart(summaries), httpChart(summaries)].filter((c): c is ChartSpec => c !== undefined);
  const { runs, medians } = trendSeries(data.trend);
  const units = new Map(data.samples.map((s) => [s.metric, s.unit]));
  for (const metric of [...medians.keys()].sort()) {
    const unit = units.get(metric);
    const long = new Map([...medians.get(metric)!].filter(([, values]) => values.filter((v) => v !== undefined).length >= MIN_TREND_NIGHTS));
    if (unit && long.size > 0) charts.push(trendChart(metric, unit, runs, long));
  }
  return charts;
}

/**
 * Every chart at once: each is drawn on its own canvas here and PNG-encoded on libuv's thread pool,
 * so the next one is drawn while the last ones are encoded. One after another, the process waited
 * idle through each encoding: half of the dashboard's chart time (bench/dashboard.ts).
 */
export async function renderCharts(specs: readonly ChartSpec[]): Promise<RenderedChart[]> {
  return Promise.all(specs.map(async (spec) => ({ spec, dataUri: await renderChart(spec) })));
}
