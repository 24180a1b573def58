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
import { MODE_COLOURS, nightLabels, titled, type ChartSpec } from './chart-spec.ts';

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

/**
 * Nights are numbered 0 … n − 1 on a linear x axis (labelled with their dates) rather than a
 * category axis: Chart.js then thins a series of more points than four per pixel column to each
 * column's first, last, lowest and highest point (its min-max decimation), which keeps every
 * spike and step a line can show and made the 10,000-night charts cheaper to draw (bench/dashboard.ts).
 */
export function seriesTrendChart(series: DashboardSeries, nights: readonly DashboardNight[]): ChartSpec {
  const at = new Map(nights.map((n, i) => [n.runId, i]));
  const largest = Math.max(0, ...series.points.map((p) => p.value));
  const u = chartUnit(series.unit, largest);
  const provenance = provenanceMarkers(nights);
  const changes = changeMarkers(series, nights);
  const dense = nights.length > 60;
  const name = `${series.mode}/${series.guest} ${series.metric}`;
  const labels = nightLabels(nights.map((n) => n.startedAt));
  const title = `${series.host} ${name}: night value (dashed grey: run facts changed; solid: change points)`;
  const data = series.points.flatMap((p) => { const x = at.get(p.runId); return x === undefined ? [] : [{ x, y: p.value / u.divisor }]; });
  return {
    id: seriesChartId(series),
    title: `${series.host} ${name}`,
    alt: `Line chart: ${name} (${u.label}) on ${series.host}, one point a night over ${nights.length} nights (${series.points.length} measured); `
      + `${changes.length} change point(s) and ${provenance.length} night(s) with changed kernel, QEMU or other run facts marked`,
    config: {
      type: 'line',
      data: {
        datasets: [{
          label: name,
          data,
          borderColor: MODE_COLOURS[series.mode],
          backgroundColor: MODE_COLOURS[series.mode],
          pointRadius: dense ? 0 : 2,
          borderWidth: dense ? 1 : 2,
        }],
      },
      options: {
        ...titled(title, u.label),
        parsing: false,
        normalized: true,
        scales: {
          y: { title: { display: true, text: u.label } },
          x: {
            type: 'linear', min: 0, max: Math.max(0, nights.length - 1),
            // About 9 dates; Chart.js may place a tick between two nights: it is labelled with the nearer one.
            ticks: { stepSize: Math.max(1, Math.ceil((nights.length - 1) / 8)), includeBounds: false, maxRotation: 0, callback: (value) => labels[Math.round(Number(value))] ?? '' },
          },
        },
        plugins: { title: { display: true, text: title }, legend: { display: false }, decimation: { enabled: true, algorithm: 'min-max' } },
      },
      plugins: [verticalMarkersPlugin(provenance, '#777'), verticalMarkersPlugin(changes, '#d62728', { id: 'Changes', dash: [], labelAt: 'bottom' })],
    },
  };
}
