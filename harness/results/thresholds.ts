/**
 * Per-metric thresholds: the smallest change that matters, relative (`tcp.tx.throughput=3`, in
 * percent) and in the metric's unit (`--absolute udp.*.loss=0.5`): a metric that sits at or near
 * 0 (loss %, retransmits, jitter) has no useful relative change, so its absolute threshold rules
 * there: the change that matters is max(relative · |baseline|, absolute).
 * A pattern is a metric name whose dot-separated parts may be `*` (any one or more parts):
 * `latency.*`, `*.loss`, `udp.*.jitter`, or `*` alone. The most specific entry wins (an exact name,
 * else the pattern with the most literal characters), then the defaults.
 */
import { UsageError } from '../errors.ts';

export const DEFAULT_THRESHOLD_PERCENT = 5;

/**
 * Built-in absolute thresholds for the metrics that sit near 0 (judgement calls, overridable):
 * half a percentage point of loss, 10 retransmits in a test, 0.1 ms of jitter.
 */
export const DEFAULT_ABSOLUTE_THRESHOLDS: Readonly<Record<string, number>> = Object.freeze({
  '*.loss': 0.5,
  '*.retransmits': 10,
  '*.jitter': 0.0001,
});

export interface Thresholds {
  /** Fraction (0.05) for metrics no entry names. */
  fallback: number;
  /** metric or pattern → fraction. */
  byMetric: Record<string, number>;
  /** metric or pattern → smallest change in the metric's unit (0 = none). */
  absolute: Record<string, number>;
}

const PATTERN = /^(\*|[a-z0-9_]+)(\.(\*|[a-z0-9_]+))*$/;

/** Is `text` a metric name or pattern? (Shared with the scenario config's run.thresholds and run.gate.) */
export function isMetricPattern(text: string): boolean {
  return PATTERN.test(text);
}

/** How specifically `pattern` names `metric`: undefined when it does not match, Infinity when exactly. */
export function patternSpecificity(pattern: string, metric: string): number | undefined {
  if (pattern === metric) return Infinity;
  if (!pattern.includes('*')) return undefined;
  const source = pattern.split('.').map((part) => (part === '*' ? '[a-z0-9_]+(?:\\.[a-z0-9_]+)*' : part)).join('\\.');
  return new RegExp(`^${source}$`).test(metric) ? pattern.replace(/[*.]/g, '').length : undefined;
}

/** The value of the most specific entry of `table` that names `metric`. */
export function mostSpecific<T>(table: Readonly<Record<string, T>>, metric: string): T | undefined {
  let best: { specificity: number; value: T } | undefined;
  for (const [pattern, value] of Object.entries(table)) {
    const specificity = patternSpecificity(pattern, metric);
    if (specificity !== undefined && (!best || specificity > best.specificity)) best = { specificity, value };
  }
  return best?.value;
}

function percent(text: string, spec: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value >= 100) {
    throw new UsageError(`threshold ${JSON.stringify(spec)}: ${JSON.stringify(text)} is not a percentage; expected a number above 0 and below 100 (e.g. tcp.tx.throughput=3)`);
  }
  return value / 100;
}

function unitValue(text: string, spec: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`absolute threshold ${JSON.stringify(spec)}: ${JSON.stringify(text)} is not a number of the metric's unit; expected a number ≥ 0 (e.g. udp.*.loss=0.5 for half a percentage point)`);
  }
  return value;
}

function metricOf(spec: string, metric: string, what: string): string {
  if (!isMetricPattern(metric)) {
    throw new UsageError(`${what} ${JSON.stringify(spec)}: ${JSON.stringify(metric)} is not a metric name or pattern; expected e.g. tcp.tx.throughput=3, latency.*=10 or *.loss=0.5`);
  }
  return metric;
}

/** `--threshold` specs (relative, percent) and `--absolute` specs (in the metric's unit). */
export function parseThresholds(specs: readonly string[] = [], absoluteSpecs: readonly string[] = []): Thresholds {
  const t: Thresholds = { fallback: DEFAULT_THRESHOLD_PERCENT / 100, byMetric: {}, absolute: { ...DEFAULT_ABSOLUTE_THRESHOLDS } };
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
    t.byMetric[metricOf(spec, spec.slice(0, eq), 'threshold')] = percent(spec.slice(eq + 1), spec);
  }
  const seenAbsolute = new Set<string>();
  for (const spec of absoluteSpecs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`absolute threshold ${JSON.stringify(spec)}: expected METRIC=VALUE, e.g. udp.*.loss=0.5`);
    const metric = metricOf(spec, spec.slice(0, eq), 'absolute threshold');
    if (seenAbsolute.has(metric)) throw new UsageError(`absolute threshold ${JSON.stringify(spec)}: ${JSON.stringify(metric)} was given twice`, { remedy: 'give each metric one absolute threshold' });
    seenAbsolute.add(metric);
    t.absolute[metric] = unitValue(spec.slice(eq + 1), spec);
  }
  return t;
}

export function thresholdFor(t: Thresholds, metric: string): number {
  return mostSpecific(t.byMetric, metric) ?? t.fallback;
}

/** The absolute threshold of `metric` in its unit; 0 when none applies. */
export function absoluteThresholdFor(t: Thresholds, metric: string): number {
  return mostSpecific(t.absolute, metric) ?? 0;
}
