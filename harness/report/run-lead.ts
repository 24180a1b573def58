/**
 * What a run report says first (HTML and Markdown): the night's verdict in a word with the
 * gating metrics behind it, then the open change points of the run's series.
 */
import { formatChange, formatValue } from '../measure/format-value.ts';
import type { SeriesChange } from '../results/changes.ts';
import type { NightJudgement } from '../results/night-verdicts.ts';
import type { LastNightDifferences } from '../results/report-data.ts';
import { nightOutcome, type NightOutcome } from '../results/night-outcome.ts';

export const OUTCOME_WORDS: Record<NightOutcome['outcome'], string> = { passed: 'passed', regressed: 'regressed', 'no-baseline': 'no baseline yet' };

/** The verdict word and one sentence on the gating metrics. */
export function verdictLead(j: NightJudgement): { outcome: NightOutcome['outcome']; word: string; sentence: string } {
  const o = nightOutcome(j);
  const gate = j.gate === 'all' ? 'every metric gates the night' : `gating metrics: ${j.gate.length > 0 ? j.gate.join(', ') : 'none'}`;
  const sentence = o.outcome === 'regressed'
    ? `${o.regressed.length} of ${o.gating} gating series regressed: ${o.regressed.map((v) => `${v.host} ${v.mode}/${v.guest} ${v.metric} ${v.change === undefined ? '' : formatChange(v.change)}`.trim()).join('; ')} (${gate}).`
    : o.outcome === 'no-baseline'
      ? `None of the ${o.gating} gating series has enough good nights in the history to be judged yet (at least ${j.basis.minNights}; ${gate}).`
      : `None of the ${o.judged} gating series judged regressed${o.judged < o.gating ? ` (${o.gating - o.judged} without a baseline yet)` : ''} (${gate}).`;
  return { outcome: o.outcome, word: OUTCOME_WORDS[o.outcome], sentence };
}

export interface OpenChangeRow {
  series: string;
  runId: string;
  previousRunId: string;
  levels: string;
  change: string;
  ci: string;
  direction: 'worse' | 'better';
  changed: string;
}

export function openChangeRow(c: SeriesChange): OpenChangeRow {
  const changed = Object.entries(c.changed);
  return {
    series: `${c.host} ${c.mode}/${c.guest} ${c.metric}`,
    runId: c.runId,
    previousRunId: c.previousRunId,
    levels: `${formatValue(c.before, c.unit)} → ${formatValue(c.after, c.unit)}`,
    change: formatChange(c.change),
    ci: c.ci ? `${formatChange(c.ci.low)} … ${formatChange(c.ci.high)}` : '–',
    direction: c.regression ? 'worse' : 'better',
    changed: changed.length === 0 ? '–' : changed.map(([name, d]) => `${name} ${d.before} → ${d.after}`).join('; '),
  };
}

export const OPEN_CHANGE_HEADER = ['series', 'first run after', 'run before', 'level before → after', 'change', '95 % CI', 'for the', 'what changed'];

export function openChangeCells(r: OpenChangeRow): string[] {
  return [r.series, r.runId, r.previousRunId, r.levels, r.change, r.ci, r.direction, r.changed];
}

/** One sentence per host: what the runs record that differs from its last night (kernel, QEMU, …). */
export function sinceLastNightSentence(d: LastNightDifferences): string {
  if (d.previousRunId === undefined) return `${d.host}: the first night of this scenario in the history.`;
  const changed = Object.entries(d.changed);
  if (changed.length === 0) return `${d.host}: nothing the runs record changed since the last night (${d.previousRunId}): same kernel, QEMU, guest image, passbench, config and NIC.`;
  return `${d.host} since the last night (${d.previousRunId}): ${changed.map(([name, c]) => `${name} ${c.before} → ${c.after}`).join('; ')}.`;
}

export const NO_OPEN_CHANGE = 'No open change point in this run\'s series (passbench changes; acknowledged and superseded changes are not listed).';
