/**
 * A run's value per host, mode, guest and metric (warm-ups excluded): what trends plot and what the
 * night verdicts judge. It is the night's value (Hodges–Lehmann of the repetitions: as precise as
 * the mean with normal noise, as robust as the median with enough repetitions; the reason and the
 * figures are at nightValue). The field and the history's column keep the name `median` from
 * before 2026-12-03, when it was the repetitions' median.
 */
import { nightValue } from '../stats/night-verdict.ts';
import type { Sample } from './schema.ts';

/** Per host/mode/guest/metric: the night's value of the non-warm-up values. */
export function runMedians(samples: readonly Sample[]): { first: Sample; n: number; median: number }[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.warmup) continue;
    const key = `${s.host}\u0000${s.mode}\u0000${s.guest}\u0000${s.metric}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()].map((g) => ({ first: g[0]!, n: g.length, median: nightValue(g.map((s) => s.value)) }));
}

