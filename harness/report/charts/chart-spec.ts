/** A chart a report embeds: an id, a title, alt text and the Chart.js configuration. */
import type { ChartConfiguration } from 'chart.js';
import type { Mode } from '../../results/schema.ts';

export interface ChartSpec {
  id: string;
  title: string;
  alt: string;
  config: ChartConfiguration;
}

export const MODE_COLOURS: Record<Mode, string> = { nic: '#1f77b4', vf: '#2ca02c', virtio: '#9467bd', e1000: '#d62728' };
export const SERIES_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

export function titled(text: string, y: string): { plugins: { title: { display: true; text: string } }; scales: { y: { beginAtZero: true; title: { display: true; text: string } } } } {
  return { plugins: { title: { display: true, text } }, scales: { y: { beginAtZero: true, title: { display: true, text: y } } } };
}
