/**
 * (Re)writes a run's reports into its directory: report.html, report.md, junit.xml and
 * results.json. Each file is written to a temporary name and renamed, so a reader never
 * sees half a report.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { History } from '../results/history.ts';
import type { NightSettings } from '../results/night-verdicts.ts';
import { htmlReport } from './html-report.ts';
import { junitReport } from './junit-report.ts';
import { markdownReport } from './markdown-report.ts';
import { summarizeRun } from '../results/metric-summary.ts';
import { renderCharts, reportCharts } from './report-charts.ts';
import { loadReportData, type ReportData } from '../results/report-data.ts';

export const REPORT_FILES = { html: 'report.html', markdown: 'report.md', junit: 'junit.xml', json: 'results.json' } as const;

/** Written to a temporary name and renamed: a reader never sees half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

export function resultsJson(data: ReportData): string {
  return `${JSON.stringify({
    meta: data.meta,
    samples: data.samples,
    checks: data.checks,
    night: data.night,
  }, null, 2)}\n`;
}

export type ReportFiles = { html: string; markdown: string; junit: string; json: string };

/** Writes the four reports of already gathered data into its run directory. */
export async function writeReportsOf(data: ReportData): Promise<ReportFiles> {
  const summaries = summarizeRun(data.samples);
  const charts = await renderCharts(reportCharts(data, summaries));
  const files = {
    html: path.join(data.dir, REPORT_FILES.html),
    markdown: path.join(data.dir, REPORT_FILES.markdown),
    junit: path.join(data.dir, REPORT_FILES.junit),
    json: path.join(data.dir, REPORT_FILES.json),
  };
  await writeAtomically(files.html, htmlReport(data, summaries, charts));
  await writeAtomically(files.markdown, markdownReport(data, summaries));
  await writeAtomically(files.junit, junitReport(data));
  await writeAtomically(files.json, resultsJson(data));
  return files;
}

export async function writeReports(runDir: string, history: History, night: Partial<NightSettings> = {}): Promise<ReportFiles> {
  return writeReportsOf(await loadReportData(runDir, history, night));
}
