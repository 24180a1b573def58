/**
 * The end of a run in one call, for the scenario runner: store the run in the history, write
 * its reports, and say whether it regressed against the last good night (the nightly job's
 * exit code follows `regressed`).
 */
import type { History } from '../results/history.ts';
import type { SetComparison } from '../results/compare-sets.ts';
import type { RunMeta } from '../results/schema.ts';
import type { Thresholds } from '../results/thresholds.ts';
import { loadReportData } from './report-data.ts';
import { writeReportsOf, type ReportFiles } from './write-reports.ts';

export interface RecordedRun {
  meta: RunMeta;
  reports: ReportFiles;
  /** The run compared with, when the history had an earlier passed run of the scenario on the host. */
  baselineRunId?: string;
  comparison?: SetComparison;
  regressed: boolean;
  /** Checks with status fail or no-link. */
  failedChecks: number;
}

export async function recordRun(runDir: string, history: History, o: { thresholds?: Thresholds } = {}): Promise<RecordedRun> {
  const meta = await history.importRun(runDir);
  const data = await loadReportData(runDir, history, o.thresholds);
  const reports = await writeReportsOf(data);
  return {
    meta,
    reports,
    baselineRunId: data.baseline?.runId,
    comparison: data.comparison,
    regressed: data.comparison?.verdicts.some((v) => v.comparison.verdict === 'regressed') ?? false,
    failedChecks: data.checks.filter((c) => c.status === 'fail' || c.status === 'no-link').length,
  };
}
