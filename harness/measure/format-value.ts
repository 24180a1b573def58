/** Values in their SI unit, written for people: 9.41 Gbit/s, 38.2 µs, 41 200 req/s, −3.1 %. */
import type { MetricUnit } from './figure.ts';

function scaled(value: number, steps: readonly [number, string][], unit: string): string {
  for (const [factor, prefix] of steps) {
    if (Math.abs(value) >= factor) return `${(value / factor).toPrecision(3)} ${prefix}${unit}`;
  }
  const [factor, prefix] = steps[steps.length - 1]!;
  return `${(value / factor).toPrecision(3)} ${prefix}${unit}`;
}

export function formatValue(value: number | undefined, unit: MetricUnit): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  switch (unit) {
    case 'bit/s': return scaled(value, [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, '']], 'bit/s');
    case 's': return scaled(value, [[1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n']], 's');
    case 'req/s': return `${value >= 100 ? Math.round(value).toString() : value.toPrecision(3)} req/s`;
    case '%': return `${value.toFixed(1)} %`;
    case 'count': return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** A signed percentage of a fraction: −0.031 → "−3.1 %". */
export function formatChange(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${fraction >= 0 ? '+' : '−'}${(Math.abs(fraction) * 100).toFixed(1)} %`;
}

/** A signed difference in the metric's unit: +0.6 %, −12 (what a change near zero is judged by). */
export function formatDifference(value: number | undefined, unit: MetricUnit): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : '−'}${formatValue(Math.abs(value), unit)}`;
}

/** A unit for charts: the prefix that suits the largest value, and the divisor. */
export function chartUnit(unit: MetricUnit, largest: number): { label: string; divisor: number } {
  if (unit === 'bit/s') return largest >= 1e9 ? { label: 'Gbit/s', divisor: 1e9 } : { label: 'Mbit/s', divisor: 1e6 };
  if (unit === 's') return largest >= 1e-3 ? { label: 'ms', divisor: 1e-3 } : { label: 'µs', divisor: 1e-6 };
  return { label: unit, divisor: 1 };
}
