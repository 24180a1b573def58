/**
 * One dashboard series over its host's nights (one point a night: the night value the history
 * keeps), with the nights where the run's metadata changed (kernel, QEMU, guest image …) marked
 * grey and dashed, labels at the top, and the change points of results/changes.ts marked solid,
 * labels at the bottom, coloured by status: open for the worse red, open for the better green,
 * acknowledged blue, superseded light grey.
 */
import { chartUnit, formatChange } from '../../measure/format-value.ts';
import type { DashboardNight, DashboardSeries } from '../../results/dashboard-data.ts';
import type { SeriesChange } from '../../results/changes.ts';
import { verticalMarkersPlugin, type VerticalMarker } from './chart-plugins.ts';
import { MODE_COLOURS, titled, type ChartSpec } from './chart-spec.ts';

export const CHANGE_COLOURS = { worse: '#d62728', better: '#2ca02c', acknowledged: '#1f77b4', superseded: '#aaaaaa' } as const;

export function changeColour(c: Pick<SeriesChange, 'status' | 'regression'>): string {
  if (c.status === 'open') return c.regression ? CHANGE_COLOURS.worse : CHANGE_COLOURS.better;
  return CHANGE_COLOURS[c.status];
}

/** The label of a night whose metadata differs from the night before: kernel and QEMU by version, others by name. */
export function provenanceLabel(changed: DashboardNight['changed']): string | undefined {
  const names = Object.keys(changed);
  if (names.length === 0) return undefined;
  const parts: string[] = [];
  if (changed.kernel) parts.push(`kernel ${changed.kernel.after}`);
  if (changed.qemu) parts.push(`QEMU ${changed.qemu.after}`);
  const others = names.filter((n) => n !== 'kernel' && n !== 'qemu');
  if (others.length > 0) parts.push(others.join(', '));
  return parts.join('; ');
}

export function provenanceMarkers(nights: readonly DashboardNight[]): VerticalMarker[] {
  return nights.flatMap((n, index) => {
    const label = provenanceLabel(n.changed);
    return label === undefined ? [] : [{ index, label }];
  });
}

export function changeMarkers(series: DashboardSeries, nights: readonly DashboardNight[]): VerticalMarker[] {
  const at = new Map(nights.map((n, i) => [n.runId, i]));
  return series.changes.flatMap((c) => {
    const index = at.get(c.runId);
    return index === undefined ? [] : [{ index, label: `${c.change === undefined ? 'change' : formatChange(c.change)} ${c.status}`, colour: changeColour(c) }];
  });
}

export const seriesChartId = (s: Pick<DashboardSeries, 'mode' | 'guest' | 'metric'>): string => `series-${s.mode}-${s.guest}-${s.metric}`;

export function seriesTrendChart(series: DashboardSeries, nights: readonly DashboardNight[]): ChartSpec {
  const values = new Map(series.points.map((p) => [p.runId, p.value]));
  const largest = Math.max(0, ...series.points.map((p) => p.value));
  const u = chartUnit(series.unit, largest);
  const provenance = provenanceMarkers(nights);
  const changes = changeMarkers(series, nights);
  const dense = nights.length > 60;
  const name = `${series.mode}/${series.guest} ${series.metric}`;
  return {
    id: seriesChartId(series),
    title: `${series.host} ${name}`,
    alt: `Line chart: ${name} (${u.label}) on ${series.host}, one point a night over ${nights.length} nights (${series.points.length} measured); `
      + `${changes.length} change point(s) and ${provenance.length} night(s) with changed kernel, QEMU or other run facts marked`,
    config: {
      type: 'line',
      data: {
        labels: nights.map((n) => n.startedAt.slice(0, 10)),
        datasets: [{
          label: name,
          data: nights.map((n) => { const v = values.get(n.runId); return v === undefined ? null : v / u.divisor; }),
          borderColor: MODE_COLOURS[series.mode],
          backgroundColor: MODE_COLOURS[series.mode],
          pointRadius: dense ? 0 : 2,
          borderWidth: dense ? 1 : 2,
          spanGaps: true,
        }],
      },
      options: {
        ...titled(`${series.host} ${name}: night value (dashed grey: run facts changed; solid: change points)`, u.label),
        scales: { y: { title: { display: true, text: u.label } }, x: { ticks: { maxTicksLimit: 12, maxRotation: 0 } } },
        plugins: { title: { display: true, text: `${series.host} ${name}: night value (dashed grey: run facts changed; solid: change points)` }, legend: { display: false } },
      },
      plugins: [verticalMarkersPlugin(provenance, '#777'), verticalMarkersPlugin(changes, '#d62728', { id: 'Changes', dash: [], labelAt: 'bottom' })],
    },
  };
}
