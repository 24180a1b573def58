/**
 * Verdicts per metric between two pools of samples (pure): samples are grouped by host, mode,
 * guest and metric; warm-ups never count; each group goes through compareSamples with that
 * metric's thresholds (relative, and absolute in its unit).
 */
import { compareSamples, type Comparison, type ComparePolicy } from './compare.ts';
import type { Sample } from './schema.ts';
import { absoluteThresholdFor, thresholdFor, type Thresholds } from './thresholds.ts';

export interface MetricVerdict {
  host: string;
  mode: Sample['mode'];
  guest: string;
  metric: string;
  unit: Sample['unit'];
  comparison: Comparison;
}

export interface SetComparison {
  verdicts: MetricVerdict[];
  /** host/mode/guest/metric groups measured on one side only. */
  onlyInBaseline: string[];
  onlyInCandidate: string[];
}

type Keyed = Pick<Sample, 'host' | 'mode' | 'guest' | 'metric' | 'unit' | 'direction' | 'value' | 'warmup'>;

export const groupKey = (s: Pick<Sample, 'host' | 'mode' | 'guest' | 'metric'>): string => `${s.host}/${s.mode}/${s.guest}/${s.metric}`;

function group(samples: readonly Keyed[]): Map<string, Keyed[]> {
  const groups = new Map<string, Keyed[]>();
  for (const s of samples) {
    if (s.warmup) continue;
    const key = groupKey(s);
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  return groups;
}

export function compareSampleSets(
  baseline: readonly Keyed[],
  candidate: readonly Keyed[],
  thresholds: Thresholds,
  policy: Partial<ComparePolicy> = {},
): SetComparison {
  const base = group(baseline);
  const cand = group(candidate);
  const verdicts: MetricVerdict[] = [];
  for (const [key, b] of base) {
    const c = cand.get(key);
    if (!c) continue;
    const first = b[0]!;
    verdicts.push({
      host: first.host, mode: first.mode, guest: first.guest, metric: first.metric, unit: first.unit,
      comparison: compareSamples(b.map((s) => s.value), c.map((s) => s.value), first.direction, {
        ...policy, threshold: thresholdFor(thresholds, first.metric), absoluteThreshold: absoluteThresholdFor(thresholds, first.metric),
      }),
    });
  }
  verdicts.sort((x, y) => groupKey(x).localeCompare(groupKey(y)));
  return {
    verdicts,
    onlyInBaseline: [...base.keys()].filter((k) => !cand.has(k)).sort(),
    onlyInCandidate: [...cand.keys()].filter((k) => !base.has(k)).sort(),
  };
}
