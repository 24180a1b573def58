/** The night verdict table's rows (HTML, Markdown and JUnit share them). */
import { formatChange, formatDifference, formatValue } from '../measure/format-value.ts';
import type { NightJudgement, SeriesVerdict } from '../results/night-verdicts.ts';

export { sortedNightVerdicts as sortedVerdicts } from '../results/night-verdicts.ts';

export interface VerdictRow {
  key: string;
  /** The baseline nights' mean value. */
  baseline: string;
  /** How many nights it holds, and how many regressed nights were left out. */
  nights: string;
  candidate: string;
  change: string;
  /** The interval of the change (relative, or in the unit when the baseline is 0). */
  ci: string;
  /** p, and the Benjamini–Hochberg adjusted p. */
  p: string;
  verdict: SeriesVerdict['verdict'];
  gating: boolean;
  reason: string;
}

const p = (value: number | undefined): string => (value === undefined ? '–' : `${Number(value.toPrecision(2))}`);

export function verdictRow(v: SeriesVerdict): VerdictRow {
  const relative = v.change !== undefined;
  const interval = relative ? v.changeInterval : v.differenceInterval;
  const show = (x: number): string => (relative ? formatChange(x) : formatDifference(x, v.unit));
  return {
    key: `${v.host} ${v.mode}/${v.guest} ${v.metric}`,
    baseline: formatValue(v.baseline.centre, v.unit),
    nights: `${v.baseline.runIds.length}${v.excludedRunIds.length > 0 ? ` (${v.excludedRunIds.length} regressed left out)` : ''}`,
    candidate: formatValue(v.tonight, v.unit),
    change: relative ? formatChange(v.change) : formatDifference(v.difference, v.unit),
    ci: interval ? `${show(interval.low)} … ${show(interval.high)}` : '–',
    p: v.pValue === undefined ? '–' : `${p(v.pValue)} (adj. ${p(v.adjustedP)})`,
    verdict: v.verdict,
    gating: v.gating,
    reason: v.reason,
  };
}

/** What the verdicts were judged against, in one sentence. */
export function basisSentence(j: NightJudgement): string {
  return j.basis.kind === 'pinned'
    ? `Tonight against the pinned baseline ${j.basis.pin} (${j.basis.runIds.length} night(s): ${j.basis.runIds.join(', ')}); at least ${j.basis.minNights} nights of a series are needed.`
    : `Tonight against the last ${j.basis.nights} good nights of each series (at least ${j.basis.minNights} needed); a night that came out regressed is never part of a later baseline.`;
}

/** The false-alarm control and its rate, in one sentence. */
export function falseAlarmSentence(j: NightJudgement): string {
  const f = j.falseAlarms;
  if (f.tests === 0) return 'No series had a baseline tonight: no test, no false-alarm control needed.';
  return `False alarms controlled across the night's ${f.tests} judged metrics by Benjamini–Hochberg at ${(f.rate * 100).toFixed(0)} % `
    + `(on average at most ${(f.rate * 100).toFixed(0)} % of the changes flagged are false): ${f.kept} kept, ${f.withdrawn} withdrawn`
    + `${f.kept > 0 ? `, per-test level ${p(f.perTestLevel)}` : ''}.`;
}

export function gateSentence(j: NightJudgement): string {
  return j.gate === 'all' ? 'Every metric gates the night.' : `Metrics that gate the night: ${j.gate.length > 0 ? j.gate.join(', ') : 'none'}; the others are shown only.`;
}

export const verdictCounts = (j: NightJudgement): string => (['regressed', 'improved', 'unchanged', 'inconclusive', 'no-baseline'] as const)
  .map((k) => `${j.series.filter((v) => v.verdict === k).length} ${k}`).join(', ');
