/**
 * The night's verdict in one word, for the head of a run report: regressed (a gating series
 * regressed), no baseline yet (no gating series had enough good nights to be judged: a first
 * night, or a new lab), else passed. The series verdicts are results/night-verdicts.ts's.
 */
import type { NightJudgement, SeriesVerdict } from './night-verdicts.ts';

export interface NightOutcome {
  outcome: 'passed' | 'regressed' | 'no-baseline';
  /** The gating series that regressed (empty unless regressed). */
  regressed: SeriesVerdict[];
  /** Gating series, and how many of them had a baseline. */
  gating: number;
  judged: number;
}

export function nightOutcome(j: NightJudgement): NightOutcome {
  const gating = j.series.filter((v) => v.gating);
  const judged = gating.filter((v) => v.verdict !== 'no-baseline').length;
  const regressed = gating.filter((v) => v.verdict === 'regressed');
  const outcome = j.regressed ? 'regressed' : judged === 0 ? 'no-baseline' : 'passed';
  return { outcome, regressed, gating: gating.length, judged };
}
