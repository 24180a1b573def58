/**
 * Everything a report shows, gathered once: the run (from its directory), the verdicts against
 * the last good night of the same scenario on the same host, and the history for the trends.
 */
import { compareSampleSets, type SetComparison } from '../results/compare-sets.ts';
import type { History, RunMedian } from '../results/history.ts';
import { runMedians } from '../results/run-medians.ts';
import { readRunDir } from '../results/run-reader.ts';
import type { Check, RunMeta, Sample } from '../results/schema.ts';
import { parseThresholds, type Thresholds } from '../results/thresholds.ts';

export interface ReportData {
  dir: string;
  meta: RunMeta;
  samples: Sample[];
  checks: Check[];
  /** The run the verdicts compare against, when the history has one. */
  baseline?: { runId: string; startedAt: string; kernel: string };
  comparison?: SetComparison;
  /** Per-run medians of earlier runs of this scenario on this host, then this run's. */
  trend: RunMedian[];
  /** Any host ran under TCG: every figure is an emulated one. */
  emulated: boolean;
}

export async function loadReportData(runDir: string, history: History, thresholds: Thresholds = parseThresholds()): Promise<ReportData> {
  const { meta, samples, checks } = await readRunDir(runDir);
  const host = meta.hosts[0];
  const scope = { scenario: meta.scenario, host: host?.name, before: meta.startedAt };
  const [last] = await history.listRuns({ ...scope, status: 'passed', limit: 1 });
  let baseline: ReportData['baseline'];
  let comparison: SetComparison | undefined;
  if (last) {
    baseline = { runId: last.runId, startedAt: last.startedAt, kernel: last.hosts[0]?.kernel ?? '' };
    comparison = compareSampleSets(await history.samples({ runIds: [last.runId] }), samples, thresholds);
  }
  const earlier = await history.runMedians(scope);
  const own: RunMedian[] = runMedians(samples).map(({ first: s, n, median }) => ({
    runId: s.runId, startedAt: meta.startedAt, kernel: meta.hosts.find((h) => h.name === s.host)?.kernel ?? '',
    host: s.host, mode: s.mode, guest: s.guest, metric: s.metric, unit: s.unit, n, median,
  }));
  return {
    dir: runDir, meta, samples, checks, baseline, comparison,
    trend: [...earlier.filter((v) => v.runId !== meta.runId), ...own],
    emulated: meta.hosts.some((h) => h.accel === 'tcg'),
  };
}
