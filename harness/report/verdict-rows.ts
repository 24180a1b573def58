/** The verdict table's rows (HTML, Markdown and JUnit share them). */
import type { MetricVerdict } from '../results/compare-sets.ts';
import { formatChange, formatValue } from '../results/format-value.ts';

export interface VerdictRow {
  key: string;
  baseline: string;
  candidate: string;
  change: string;
  ci: string;
  p: string;
  verdict: MetricVerdict['comparison']['verdict'];
  reason: string;
}

export function verdictRow(v: MetricVerdict): VerdictRow {
  const c = v.comparison;
  return {
    key: `${v.host} ${v.mode}/${v.guest} ${v.metric}`,
    baseline: formatValue(c.baseline.median, v.unit),
    candidate: formatValue(c.candidate.median, v.unit),
    change: formatChange(c.change),
    ci: c.changeCi ? `${formatChange(c.changeCi.low)} … ${formatChange(c.changeCi.high)}` : '–',
    p: c.rankTest ? c.rankTest.p.toPrecision(2) : '–',
    verdict: c.verdict,
    reason: c.reason,
  };
}

/** Regressions first, then improvements, inconclusive, unchanged. */
export function sortedVerdicts(verdicts: readonly MetricVerdict[]): MetricVerdict[] {
  const rank = { regressed: 0, improved: 1, inconclusive: 2, unchanged: 3 } as const;
  return [...verdicts].sort((a, b) => rank[a.comparison.verdict] - rank[b.comparison.verdict]);
}
