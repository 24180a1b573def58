/**
 * Everything a report shows, gathered once: the run (from its directory), the night's verdicts
 * (results/night-verdicts.ts: each series against its last good nights, or a pinned baseline)
 * and the history for the trends.
 */
import type { History, RunMedian } from './history.ts';
import { judgeRunNight, type NightJudgement, type NightSettings } from './night-verdicts.ts';
import { runMedians } from './run-medians.ts';
import { readRunDir } from './run-reader.ts';
import type { Check, RunMeta, Sample } from './schema.ts';

export interface ReportData {
  dir: string;
  meta: RunMeta;
  samples: Sample[];
  checks: Check[];
  /** The night's verdicts. */
  night: NightJudgement;
  /** Per-run medians of earlier runs of this scenario on this host, then this run's. */
  trend: RunMedian[];
  /** Any host's guests ran under TCG, or a host is an emulated virtual-lab host: every figure is an emulated one. */
  emulated: boolean;
}

export async function loadReportData(runDir: string, history: History, settings: Partial<NightSettings> = {}): Promise<ReportData> {
  const { meta, samples, checks } = await readRunDir(runDir);
  const host = meta.hosts[0];
  const scope = { scenario: meta.scenario, host: host?.name, before: meta.startedAt };
  const night = await judgeRunNight(history, { meta, samples }, settings);
  const earlier = await history.runMedians(scope);
  const own: RunMedian[] = runMedians(samples).map(({ first: s, n, median }) => ({
    runId: s.runId, startedAt: meta.startedAt, kernel: meta.hosts.find((h) => h.name === s.host)?.kernel ?? '',
    host: s.host, mode: s.mode, guest: s.guest, metric: s.metric, unit: s.unit, n, median,
  }));
  return {
    dir: runDir, meta, samples, checks, night,
    trend: [...earlier.filter((v) => v.runId !== meta.runId), ...own],
    emulated: meta.hosts.some((h) => h.accel === 'tcg' || h.virtualLab),
  };
}
