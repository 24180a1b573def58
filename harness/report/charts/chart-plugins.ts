/** Small Chart.js plugins drawn on the canvas: error bars, a horizontal mark, vertical markers. */
import type { Chart, Plugin } from 'chart.js';

export interface ErrorBar {
  datasetIndex: number;
  index: number;
  low: number;
  high: number;
}

/** I-shaped bars from low to high over each bar (values in the chart's y unit). */
export function errorBarsPlugin(bars: readonly ErrorBar[]): Plugin {
  return {
    id: 'passbenchErrorBars',
    afterDatasetsDraw(chart: Chart) {
      const { ctx } = chart;
      const y = chart.scales.y!;
      ctx.save();
      ctx.strokeStyle = '#222';
      ctx.lineWidth = 1.5;
      for (const bar of bars) {
        const element = chart.getDatasetMeta(bar.datasetIndex).data[bar.index];
        if (!element) continue;
        const x = element.x;
        const top = y.getPixelForValue(bar.high);
        const bottom = y.getPixelForValue(bar.low);
        ctx.beginPath();
        ctx.moveTo(x, top); ctx.lineTo(x, bottom);
        ctx.moveTo(x - 5, top); ctx.lineTo(x + 5, top);
        ctx.moveTo(x - 5, bottom); ctx.lineTo(x + 5, bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

/** A dashed horizontal line at `value` with a label (e.g. the line rate). */
export function horizontalMarkPlugin(value: number, label: string, colour = '#d62728'): Plugin {
  return {
    id: 'passbenchHorizontalMark',
    afterDatasetsDraw(chart: Chart) {
      const { ctx, chartArea } = chart;
      const y = chart.scales.y!.getPixelForValue(value);
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y); ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.font = '12px sans-serif';
      ctx.textAlign = 'right';
      ctx.fillText(label, chartArea.right - 4, y - 4);
      ctx.restore();
    },
  };
}

export interface VerticalMarker {
  /** Index on a category x axis. */
  index: number;
  label: string;
  /** This marker's colour (default: the plugin's). */
  colour?: string;
}

export interface MarkerStyle {
  /** Plugin id suffix: two marker sets on one chart need two ids. */
  id?: string;
  /** Line dash ([] solid); default [4, 4]. */
  dash?: number[];
  /** Where the labels go: the top of the chart area (default) or its bottom. */
  labelAt?: 'top' | 'bottom';
}

/** Vertical lines with a label (e.g. kernel upgrades on a trend, dashed, labels at the top). */
export function verticalMarkersPlugin(markers: readonly VerticalMarker[], colour = '#555', style: MarkerStyle = {}): Plugin {
  return {
    id: `passbenchVerticalMarkers${style.id ?? ''}`,
    afterDatasetsDraw(chart: Chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales.x!;
      const top = style.labelAt === 'bottom' ? chartArea.bottom - 15 : chartArea.top + 2;
      ctx.save();
      ctx.setLineDash(style.dash ?? [4, 4]);
      ctx.font = '11px sans-serif';
      for (const marker of markers) {
        const px = x.getPixelForValue(marker.index);
        const c = marker.colour ?? colour;
        ctx.strokeStyle = c;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top); ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        // Right of the line, or left of it when the label would run past the chart's edge.
        const width = ctx.measureText(marker.label).width;
        const fits = px + 3 + width <= chartArea.right;
        const left = fits ? px + 3 : px - 3 - width;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(left - 1, top, width + 2, 13);
        ctx.fillStyle = c;
        ctx.textAlign = 'left';
        ctx.fillText(marker.label, left, top + 10);
      }
      ctx.restore();
    },
  };
}
