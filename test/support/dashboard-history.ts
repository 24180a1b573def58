/**
 * A two-host history for dashboard tests, one run directory a night (fake-run.ts through the real
 * run writer), imported as the nightly job does:
 *
 * - lab1, 16 nights (lab1-n01 …): from night 9 kernel 6.12.3 and throughputs and rates 15 % lower:
 *   change points at lab1-n09, open and for the worse (the caller may acknowledge one metric's);
 * - lab2, 20 nights (lab2-n01 …): nights 6–12 on QEMU 10.1.0 and 15 % lower, from night 13 back to
 *   QEMU 10.0.2 and the old level: the change at lab2-n06 is superseded by lab2-n13's.
 *
 * Only the nights in `reports` get a report.html (passbench report writes one per run).
 */
import path from 'node:path';
import type { History } from '../../harness/results/history.ts';
import { writeReports } from '../../harness/report/write-reports.ts';
import { writeFakeRun } from './fake-run.ts';

export const LAB1_NIGHTS = 16;
export const LAB2_NIGHTS = 20;
export const dashboardRunId = (host: string, n: number): string => `${host}-n${String(n).padStart(2, '0')}`;

export interface DashboardHistory {
  /** Run directories by run id. */
  dirs: Map<string, string>;
}

export async function buildDashboardHistory(root: string, history: History, o: { reports?: readonly string[] } = {}): Promise<DashboardHistory> {
  const dirs = new Map<string, string>();
  const plans = [
    ...Array.from({ length: LAB1_NIGHTS }, (_, i) => ({ host: 'lab1', n: i + 1, down: i + 1 >= 9, kernel: i + 1 >= 9 ? '6.12.3-amd64' : undefined, qemu: undefined })),
    ...Array.from({ length: LAB2_NIGHTS }, (_, i) => {
      const down = i + 1 >= 6 && i + 1 < 13;
      return { host: 'lab2', n: i + 1, down, kernel: undefined, qemu: down ? '10.1.0' : undefined };
    }),
  ];
  for (const p of plans) {
    const runId = dashboardRunId(p.host, p.n);
    const dir = path.join(root, 'runs', runId);
    await writeFakeRun(dir, {
      runId, host: p.host, startedAt: new Date(Date.UTC(2026, 9, p.n, p.host === 'lab1' ? 1 : 2)), modes: ['nic'], repetitions: 5, noise: 0.03,
      seed: (p.host === 'lab1' ? 100 : 300) + p.n, throughputFactor: p.down ? 0.85 : 1,
      ...(p.kernel ? { kernel: p.kernel } : {}), ...(p.qemu ? { qemu: p.qemu } : {}),
    });
    await history.importRun(dir);
    dirs.set(runId, dir);
  }
  for (const runId of o.reports ?? []) await writeReports(dirs.get(runId)!, history);
  return { dirs };
}
