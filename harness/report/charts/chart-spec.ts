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

/**
 * A trend's x labels, one per night: its date, or its date and time (UTC) when two nights share a
 * date (a rehearsal runs its nights minutes apart, and eleven labels of one date said nothing).
 */
export function nightLabels(startedAt: readonly string[]): string[] {
  const dates = startedAt.map((t) => t.slice(0, 10));
  return new Set(dates).size === dates.length ? dates : startedAt.map((t) => `${t.slice(0, 10)} ${t.slice(11, 16)}`);
}
