/**
 * Writes the dashboard (results/dashboard-data.ts) into a folder: index.html and one page per
 * host (host-<name>.html), each file written whole or not at all. Links to run reports are
 * relative to the folder, so the folder and the run directories can move together.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DashboardData, RunReport } from '../results/dashboard-data.ts';
import { hostPageHtml, indexHtml, type ReportHref } from './dashboard-html.ts';
import { seriesTrendChart } from './charts/series-trend-chart.ts';
import { renderCharts } from './report-charts.ts';
import { writeAtomically } from './write-reports.ts';

export const DASHBOARD_INDEX = 'index.html';

export interface DashboardFiles {
  index: string;
  /** Host name → its page. */
  hosts: Record<string, string>;
  charts: number;
}

/** File names for the hosts' pages: host-<name>.html, characters a URL or a file system may mind replaced, each unique. */
export function hostPageNames(hosts: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>([DASHBOARD_INDEX]);
  for (const host of hosts) {
    const base = `host-${host.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    let name = `${base}.html`;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}.html`;
    taken.add(name);
    names.set(host, name);
  }
  return names;
}

/** The relative href from `outDir` to a run's report, or undefined when there is none. */
export function reportHrefFrom(outDir: string): ReportHref {
  const from = path.resolve(outDir);
  return (report: RunReport) => ('file' in report
    ? path.relative(from, path.resolve(report.file)).split(path.sep).map(encodeURIComponent).join('/')
    : undefined);
}

export async function writeDashboard(data: DashboardData, outDir: string): Promise<DashboardFiles> {
  await fs.mkdir(outDir, { recursive: true });
  const names = hostPageNames(data.hosts.map((host) => host.name));
  const hostPage = (host: string) => names.get(host)!;
  const href = reportHrefFrom(outDir);
  const files: DashboardFiles = { index: path.join(outDir, DASHBOARD_INDEX), hosts: {}, charts: 0 };
  for (const host of data.hosts) {
    const charts = await renderCharts(host.series.map((s) => seriesTrendChart(s, host.nights)));
    const file = path.join(outDir, hostPage(host.name));
    await writeAtomically(file, hostPageHtml(data, host, charts, href));
    files.hosts[host.name] = file;
    files.charts += charts.length;
  }
  await writeAtomically(files.index, indexHtml(data, hostPage, href));
  return files;
}
