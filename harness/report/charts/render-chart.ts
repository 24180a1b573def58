/** Draws a ChartSpec to a PNG data: URI with chartjs-node-canvas (one canvas size, white background). */
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartSpec } from './chart-spec.ts';

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 420;

let canvas: ChartJSNodeCanvas | undefined;

export async function renderChart(spec: ChartSpec): Promise<string> {
  canvas ??= new ChartJSNodeCanvas({ width: CHART_WIDTH, height: CHART_HEIGHT, backgroundColour: 'white' });
  const config = { ...spec.config, options: { ...spec.config.options, animation: false as const, responsive: false, devicePixelRatio: 1 } };
  return canvas.renderToDataURL(config as ChartSpec['config'], 'image/png');
}
