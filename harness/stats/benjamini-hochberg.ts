/**
 * Benjamini–Hochberg: which of a night's m verdicts to keep so that, on average, at most a share q
 * of the kept ones are false alarms (the false discovery rate), however many metrics a night has.
 *
 * Sort the p-values p(1) ≤ … ≤ p(m); find the largest k with p(k) ≤ k·q/m; keep the k smallest.
 * The adjusted p-value of p(i) is min over j ≥ i of p(j)·m/j (capped at 1): a test is kept exactly
 * when its adjusted p-value is ≤ q. Valid for independent tests and for positively dependent ones
 * (Benjamini & Yekutieli 2001), which is how metrics of one night move together.
 */
export interface BenjaminiHochberg {
  /** Per input, in input order: kept (significant at false discovery rate q). */
  significant: boolean[];
  /** Per input, in input order: BH-adjusted p-value. */
  adjusted: number[];
  /** How many were kept. */
  discoveries: number;
  /** The largest raw p-value kept (0 when none): the night's effective per-test level. */
  threshold: number;
  /** The false discovery rate controlled, q. */
  fdr: number;
}

export function benjaminiHochberg(pValues: readonly number[], fdr = 0.05): BenjaminiHochberg {
  if (!(fdr > 0 && fdr < 1)) throw new RangeError(`benjaminiHochberg: the false discovery rate must be in (0, 1), got ${fdr}`);
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`benjaminiHochberg: p-value ${String(p)} is not in [0, 1]`);
  }
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const entry = order[rank - 1] as { p: number; i: number };
    running = Math.min(running, (entry.p * m) / rank);
    adjusted[entry.i] = running;
  }
  const significant = adjusted.map((a) => a <= fdr);
  const kept = pValues.filter((_, i) => significant[i]);
  return { significant, adjusted, discoveries: kept.length, threshold: kept.length > 0 ? Math.max(...kept) : 0, fdr };
}
