/**
 * Per-metric regression thresholds: `tcp.tx.throughput=3` (percent), `latency.*=10` (a prefix
 * pattern), or a bare `5` for every other metric. The most specific entry wins.
 */
import { UsageError } from '../errors.ts';

export const DEFAULT_THRESHOLD_PERCENT = 5;

export interface Thresholds {
  /** Fraction (0.05) for metrics no entry names. */
  fallback: number;
  /** metric or "prefix.*" → fraction. */
  byMetric: Record<string, number>;
}

function percent(text: string, spec: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value >= 100) {
    throw new UsageError(`threshold ${JSON.stringify(spec)}: ${JSON.stringify(text)} is not a percentage; expected a number above 0 and below 100 (e.g. tcp.tx.throughput=3)`);
  }
  return value / 100;
}

export function parseThresholds(specs: readonly string[] = []): Thresholds {
  const t: Thresholds = { fallback: DEFAULT_THRESHOLD_PERCENT / 100, byMetric: {} };
  // Two values for one metric (or two defaults): which one was meant cannot be told, so neither wins.
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? '(default)' : spec.slice(0, eq);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new UsageError(`threshold ${JSON.stringify(spec)}: ${key === '(default)' ? 'the default' : JSON.stringify(key)} was already given as ${JSON.stringify(earlier)}`, {
        remedy: 'give each metric (and the bare default) one threshold',
      });
    }
    seen.set(key, spec);
    if (eq < 0) { t.fallback = percent(spec, spec); continue; }
    const metric = spec.slice(0, eq);
    if (!/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$|^\*$/.test(metric)) {
      throw new UsageError(`threshold ${JSON.stringify(spec)}: ${JSON.stringify(metric)} is not a metric name or pattern; expected e.g. tcp.tx.throughput=3 or latency.*=10`);
    }
    t.byMetric[metric] = percent(spec.slice(eq + 1), spec);
  }
  return t;
}

export function thresholdFor(t: Thresholds, metric: string): number {
  const exact = t.byMetric[metric];
  if (exact !== undefined) return exact;
  let best: { length: number; value: number } | undefined;
  for (const [pattern, value] of Object.entries(t.byMetric)) {
    const prefix = pattern === '*' ? '' : pattern.endsWith('.*') ? pattern.slice(0, -1) : undefined;
    if (prefix !== undefined && metric.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, value };
  }
  return best?.value ?? t.fallback;
}
