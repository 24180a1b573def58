/**
 * The end of a run in one call, for the scenario runner: store the run in the history, write
 * its reports, and say whether the night regressed (a gating series against its baseline
 * nights; the nightly job's exit code follows `regressed`).
 */
import type { History } from '../results/history.ts';
import type { NightJudgement, NightSettings } from '../results/night-verdicts.ts';
import type { RunMeta } from '../results/schema.ts';
import { loadReportData } from '../results/report-data.ts';
import { writeReportsOf, type ReportFiles } from '../report/write-reports.ts';

export interface RecordedRun {
  meta: RunMeta;
  reports: ReportFiles;
  night: NightJudgement;
  regressed: boolean;
  /** Checks with status fail or no-link. */
  failedChecks: number;
}

export async function recordRun(runDir: string, history: History, night: Partial<NightSettings> = {}): Promise<RecordedRun> {
  const meta = await history.importRun(runDir);
  const data = await loadReportData(runDir, history, night);
  const reports = await writeReportsOf(data);
  return {
    meta,
    reports,
    night: data.night,
    regressed: data.night.regressed,
    failedChecks: data.checks.filter((c) => c.status === 'fail' || c.status === 'no-link').length,
  };
}
