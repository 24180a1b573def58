/** A run's median per host, mode, guest and metric (warm-ups excluded): what trends plot. */
import { median } from '../stats/descriptive.ts';
import type { Sample } from './schema.ts';

/** Per host/mode/guest/metric: the median of the non-warm-up values. */
export function runMedians(samples: readonly Sample[]): { first: Sample; n: number; median: number }[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.warmup) continue;
    const key = `${s.host}\u0000${s.mode}\u0000${s.guest}\u0000${s.metric}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()].map((g) => ({ first: g[0]!, n: g.length, median: median(g.map((s) => s.value)) }));
}

