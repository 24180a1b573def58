/** Per mode and metric: median and the bootstrap CI of the median of a run's samples (no warm-ups). */
import { bootstrapMedianCi, median, type Interval } from '../stats/descriptive.ts';
import type { Mode, Sample } from './schema.ts';

export interface MetricSummary {
  mode: Mode;
  metric: string;
  unit: Sample['unit'];
  direction: Sample['direction'];
  n: number;
  median: number;
  ci: Interval;
}

export const MODE_ORDER: readonly Mode[] = ['nic', 'vf', 'virtio', 'e1000'];

export function summarizeRun(samples: readonly Sample[]): MetricSummary[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.warmup) continue;
    const key = `${s.mode}\u0000${s.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out: MetricSummary[] = [];
  for (const group of groups.values()) {
    const values = group.map((s) => s.value);
    const first = group[0]!;
    out.push({ mode: first.mode, metric: first.metric, unit: first.unit, direction: first.direction, n: values.length, median: median(values), ci: bootstrapMedianCi(values) });
  }
  return out.sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode) || a.metric.localeCompare(b.metric));
}

export function modesOf(summaries: readonly MetricSummary[]): Mode[] {
  return MODE_ORDER.filter((m) => summaries.some((s) => s.mode === m));
}

export function find(summaries: readonly MetricSummary[], mode: Mode, metric: string): MetricSummary | undefined {
  return summaries.find((s) => s.mode === mode && s.metric === metric);
}
