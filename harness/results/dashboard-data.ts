/**
 * What the history dashboard shows (issue 12, point 5), gathered once: per host its nights (one
 * run a night, oldest first, with what changed in its metadata since the night before and where
 * its report is), and per host × mode × guest × metric series its night values (the run_medians
 * column trends and `passbench changes` use: the Hodges–Lehmann estimate of the repetitions) and
 * the change points and outlier nights of results/changes.ts, the same search `passbench changes`
 * makes. report/dashboard-*.ts only renders this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ResultsError, UsageError } from '../errors.ts';
import { findChangesIn, type ChangeQuery, type OutlierNight, type SeriesChange } from './changes.ts';
import type { History, RunRow } from './history.ts';
import { runDifferences, type Differences } from './run-differences.ts';
import type { Mode, RunMeta, Sample } from './schema.ts';

/** The file `passbench report` writes into a run directory (report/write-reports.ts REPORT_FILES.html). */
export const RUN_REPORT_FILE = 'report.html';

/** What `passbench changes` takes, less listAll and its options: the same series, the same search. --since also narrows the nights shown. */
export type DashboardQuery = Pick<ChangeQuery, 'host' | 'mode' | 'metric' | 'since' | 'threshold' | 'absoluteThreshold'>;

/** Where a night's report is, or why there is none to link to. */
export type RunReport = { file: string } | { missing: string };

export interface DashboardNight {
  runId: string;
  startedAt: string;
  status: RunMeta['status'];
  scenario: string;
  kernel: string;
  qemu: string;
  /** Run metadata that differs from the host's night before (empty for the first night shown). */
  changed: Differences;
  report: RunReport;
}

export interface DashboardPoint {
  runId: string;
  value: number;
}

export interface DashboardSeries {
  host: string;
  mode: Mode;
  guest: string;
  metric: string;
  unit: Sample['unit'];
  /** Oldest first, only nights in the window (--since). */
  points: DashboardPoint[];
  changes: SeriesChange[];
  outliers: OutlierNight[];
}

export interface DashboardHost {
  name: string;
  nights: DashboardNight[];
  series: DashboardSeries[];
}

export interface DashboardData {
  history: string;
  since?: string;
  hosts: DashboardHost[];
}

const seriesKey = (s: { host: string; mode: string; guest: string; metric: string }): string => [s.host, s.mode, s.guest, s.metric].join('\u0000');

/** The run's report.html when its directory is known and holds one; else why not, in words. */
export function runReport(run: Pick<RunRow, 'runId' | 'sourceDir'>): RunReport {
  if (run.sourceDir === undefined || run.sourceDir === '') return { missing: 'run directory not recorded in the history' };
  const file = path.join(run.sourceDir, RUN_REPORT_FILE);
  return fs.existsSync(file) ? { file } : { missing: `no ${RUN_REPORT_FILE} in ${run.sourceDir} (passbench report ${run.runId} writes it)` };
}

/** Names the hosts the history holds, for an unknown --host's message. */
async function knownHosts(history: History): Promise<string[]> {
  const runs = await history.listRuns({ limit: 1000 });
  return [...new Set(runs.flatMap((r) => r.hosts.map((h) => h.name)))].sort();
}

function bySeries<T extends { host: string; mode: string; guest: string; metric: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = seriesKey(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** The host's nights in the window, each with what changed since the host's night before it. */
async function nightsOf(history: History, host: string, runs: readonly RunRow[], since: string | undefined): Promise<DashboardNight[]> {
  const ofHost = runs.filter((r) => r.hosts.some((h) => h.name === host))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
  const start = since === undefined ? 0 : ofHost.findIndex((r) => r.startedAt >= since);
  if (start < 0) return [];
  // From the night before the window on: the first night shown says what changed since it too.
  const from = Math.max(0, start - 1);
  const metas = await Promise.all(ofHost.slice(from).map((r) => history.runMeta(r.runId)));
  return ofHost.slice(start).map((r, i) => {
    const at = start - from + i;
    const before = at > 0 ? metas[at - 1] : undefined;
    const meta = metas[at];
    const facts = r.hosts.find((h) => h.name === host)!;
    return {
      runId: r.runId, startedAt: r.startedAt, status: r.status, scenario: r.scenario, kernel: facts.kernel, qemu: facts.qemu,
      changed: before !== undefined && meta !== undefined ? runDifferences(before, meta, host) : {},
      report: runReport(r),
    };
  });
}

export async function loadDashboard(history: History, q: DashboardQuery): Promise<DashboardData> {
  const filter = { host: q.host, mode: q.mode, metric: q.metric };
  const medians = await history.runMedians(filter);
  if (medians.length === 0) {
    if (q.host !== undefined) {
      const hosts = await knownHosts(history);
      if (!hosts.includes(q.host)) {
        throw new UsageError(`--host ${JSON.stringify(q.host)}: no run of that host in the history ${history.location}`, {
          remedy: hosts.length > 0 ? `hosts in it: ${hosts.join(', ')}; or leave --host out for every host` : 'the history holds no run: import runs first (passbench history import RUN_DIR)',
        });
      }
    }
    throw new ResultsError(`the history ${history.location} holds no series${q.host || q.mode || q.metric ? ' these options select' : ''}`, {
      remedy: 'import runs first (passbench history import RUN_DIR), or check --host, --mode and --metric against passbench history',
    });
  }
  const found = await findChangesIn(history, medians, { ...filter, since: q.since, threshold: q.threshold, absoluteThreshold: q.absoluteThreshold });
  const changes = bySeries(found.changes);
  const outliers = bySeries(found.outliers);
  const runs = await history.listRuns({ host: q.host });
  const hosts = new Map<string, DashboardHost>();
  for (const [key, points] of bySeries(medians)) {
    const first = points[0]!;
    let host = hosts.get(first.host);
    if (!host) {
      host = { name: first.host, nights: await nightsOf(history, first.host, runs, q.since), series: [] };
      hosts.set(first.host, host);
    }
    const shown = q.since === undefined ? points : points.filter((p) => p.startedAt >= q.since!);
    host.series.push({
      host: first.host, mode: first.mode, guest: first.guest, metric: first.metric, unit: first.unit,
      points: shown.map((p) => ({ runId: p.runId, value: p.median })),
      changes: changes.get(key) ?? [], outliers: outliers.get(key) ?? [],
    });
  }
  const order = (a: DashboardSeries, b: DashboardSeries) => a.mode.localeCompare(b.mode) || a.guest.localeCompare(b.guest) || a.metric.localeCompare(b.metric);
  for (const host of hosts.values()) host.series.sort(order);
  return { history: history.location, ...(q.since === undefined ? {} : { since: q.since }), hosts: [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}
