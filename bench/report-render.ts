/**
 * How long the reports of the newest run take when the history holds 1,000 runs:
 *
 *   npx tsx bench/report-render.ts [--runs N] [--repeat N] [--keep]   (--keep: leave the report to look at)
 *
 * Builds a synthetic SQLite history (nightly runs of one scenario on one host, three modes,
 * ten metrics, 12 repetitions + 1 warm-up each, kernel upgrades every 250 runs), writes the
 * newest run as a real run directory, and times writeReports on it (one warm-up call dropped,
 * then --repeat timed calls: median, min, max). Target: ≤ 3 s.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median } from '../harness/stats/descriptive.ts';
import { openHistory } from '../harness/results/history.ts';
import { writeReports } from '../harness/report/write-reports.ts';
import { fakeMeta, fakeSamples, writeFakeRun } from '../test/support/fake-run.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('--runs', 1000);
const REPEAT = arg('--repeat', 5);
const KERNELS = ['6.1.0-27-amd64', '6.6.63-amd64', '6.10.11-amd64', '6.12.3-amd64'];

async function revision(): Promise<string> {
  const head = (await fs.readFile('.git/HEAD', 'utf8').catch(() => '')).trim();
  if (!head.startsWith('ref: ')) return head.slice(0, 12) || 'unknown';
  return (await fs.readFile(path.join('.git', head.slice(5)), 'utf8').catch(() => 'unknown')).trim().slice(0, 12);
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-bench-report-'));
try {
  const historyFile = path.join(root, 'history.sqlite');
  const history = await openHistory(historyFile);
  const start = Date.UTC(2024, 0, 1, 2);
  const day = 86_400_000;
  const option = (i: number) => ({
    runId: `run${String(i).padStart(5, '0')}`, startedAt: new Date(start + i * day), seed: i + 1,
    kernel: KERNELS[Math.min(KERNELS.length - 1, Math.floor((i * KERNELS.length) / RUNS))],
    throughputFactor: i === RUNS - 1 ? 0.9 : 1,
  });
  let t = performance.now();
  for (let i = 0; i < RUNS - 1; i++) {
    const o = option(i);
    await history.importRunData({ dir: '', meta: { ...fakeMeta(o), status: 'passed' }, samples: fakeSamples(o), checks: [] });
  }
  const newest = path.join(root, 'newest');
  await writeFakeRun(newest, option(RUNS - 1));
  await history.importRun(newest);
  const buildS = (performance.now() - t) / 1000;
  const size = (await fs.stat(historyFile)).size;
  const sampleCount = (await history.listRuns({ limit: 1 }))[0]!.samples;

  t = performance.now();
  await writeReports(newest, history); // warm-up: module loading, first canvas
  const warmupS = (performance.now() - t) / 1000;
  const times: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    t = performance.now();
    await writeReports(newest, history);
    times.push((performance.now() - t) / 1000);
  }
  const html = await fs.stat(path.join(newest, 'report.html'));
  const charts = Number(/passbench-chart-count" content="(\d+)"/.exec(await fs.readFile(path.join(newest, 'report.html'), 'utf8'))?.[1]);
  await history.close();

  console.log(`report render over a ${RUNS}-run history (revision ${await revision()}, node ${process.version}, ${os.cpus().length} CPUs)`);
  console.log(`history: ${RUNS} runs × ${sampleCount} samples, SQLite ${(size / 1e6).toFixed(1)} MB, built in ${buildS.toFixed(1)} s`);
  console.log(`report: ${charts} charts, report.html ${(html.size / 1e6).toFixed(2)} MB`);
  console.log(`writeReports (newest run): warm-up ${warmupS.toFixed(2)} s (dropped); ${REPEAT} timed: median ${median(times).toFixed(2)} s, `
    + `min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s — target ≤ 3 s: ${median(times) <= 3 ? 'met' : 'NOT met'}`);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept: ${path.join(root, 'newest', 'report.html')}`);
  else await fs.rm(root, { recursive: true, force: true });
}
