/**
 * A small history for report tests: five nightly runs on kernel 6.1, then a kernel upgrade
 * to 6.12 whose run is 15 % slower (throughput and rates) and has a VF without link.
 */
import path from 'node:path';
import type { History } from '../../harness/results/history.ts';
import { writeFakeRun, type FakeRunOptions } from './fake-run.ts';

export const NEWEST = 'r5';

export async function buildReportHistory(root: string, history: History, newest: Partial<FakeRunOptions> = {}): Promise<string> {
  for (let i = 0; i <= 5; i++) {
    const dir = path.join(root, `r${i}`);
    const last = i === 5;
    await writeFakeRun(dir, {
      runId: `r${i}`, startedAt: new Date(Date.UTC(2026, 10, i + 1, 2)), seed: 100 + i,
      kernel: last ? '6.12.3-amd64' : '6.1.0-27-amd64', throughputFactor: last ? 0.85 : 1, failingCheck: last,
      ...(last ? newest : {}),
    });
    if (!last) await history.importRun(dir);
  }
  return path.join(root, NEWEST);
}
