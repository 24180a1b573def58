/**
 * How long `passbench dashboard` takes to write the dashboard of a 1,000-run and a 10,000-run
 * history (issue 12, point 5: targets ≤ 3 s and ≤ 15 s):
 *
 *   npx tsx bench/dashboard.ts [--runs 1000,10000] [--repeat N] [--modes nic,vf,e1000] [--repetitions N] [--keep]
 *
 * For each size, builds a synthetic SQLite history (one host, the modes × ten metrics = 30 series
 * by default, 3 repetitions + 1 warm-up a run as in the virtual lab, 3 % noise within a run), with
 * a kernel upgrade at 40 % of the runs that lowers every throughput and rate by 10 %, another at
 * 70 % that brings them back (the first change is then superseded), through the history's own
 * import (importRunData, as bench/changes.ts). Each run names a run directory that does not
 * exist, so every night says why it has no report link. Then runs the real CLI
 * (bin/passbench.js dashboard --history … --out …) as a child process --repeat times and prints
 * the wall time (median, min, max), the CPU time of the child (user + system) and what it wrote.
 * Then, in this process, where the time goes: reading the night values (history.runMedians), the
 * change search over them (results/changes.ts findChangesIn, what `passbench changes` runs), the
 * whole of loadDashboard (those two, then runs, run facts and report files) and rendering and
 * writing the pages.
 * Timings are records for bench/README.md, never test assertions.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeDashboard } from '../harness/report/write-dashboard.ts';
import { findChangesIn } from '../harness/results/changes.ts';
import { loadDashboard } from '../harness/results/dashboard-data.ts';
import { openHistory } from '../harness/results/history.ts';
import type { Mode } from '../harness/results/schema.ts';
import { median } from '../harness/stats/descriptive.ts';
import { fakeMeta, fakeSamples } from '../test/support/fake-run.ts';
import { arg, childrenCpu } from './bench-args.ts';

const run = promisify(execFile);
const SIZES = arg('--runs', '1000,10000').split(',').map(Number);
const REPEAT = Number(arg('--repeat', '3'));
const MODES = arg('--modes', 'nic,vf,e1000').split(',') as Mode[];
const REPETITIONS = Number(arg('--repetitions', '3'));
const TARGETS: Record<number, number> = { 1000: 3, 10000: 15 };

async function buildHistory(file: string, runs: number, runsDir: string): Promise<number> {
  const history = await openHistory(file);
  const upgrade = Math.floor(runs * 0.4);
  const fix = Math.floor(runs * 0.7);
  const day = 86_400_000;
  const t = performance.now();
  try {
    for (let i = 0; i < runs; i++) {
      const o = {
        runId: `run${String(i).padStart(5, '0')}`, startedAt: new Date(Date.UTC(2000, 0, 1, 2) + i * day), seed: i + 1,
        modes: MODES, repetitions: REPETITIONS, noise: 0.03,
        kernel: i < upgrade ? '6.1.0-27-amd64' : i < fix ? '6.12.3-amd64' : '6.12.9-amd64',
        throughputFactor: i >= upgrade && i < fix ? 0.9 : 1,
      };
      await history.importRunData({ dir: path.join(runsDir, o.runId), meta: { ...fakeMeta(o), status: 'passed' }, samples: fakeSamples(o), checks: [] });
    }
  } finally {
    await history.close();
  }
  return (performance.now() - t) / 1000;
}

/** Seconds each phase takes in this process (one pass, after the CLI runs warmed the file cache). */
async function phases(file: string, out: string): Promise<string> {
  const history = await openHistory(file, { readOnly: true });
  try {
    const q = { threshold: () => 0.05 };
    let t = performance.now();
    const lap = () => { const now = performance.now(); const s = (now - t) / 1000; t = now; return s; };
    const medians = await history.runMedians({});
    const read = lap();
    await findChangesIn(history, medians, q);
    const search = lap();
    const data = await loadDashboard(history, q);
    const load = lap();
    await writeDashboard(data, out);
    const write = lap();
    return `loadDashboard ${load.toFixed(2)} s (measured alone before it: reading the night values ${read.toFixed(2)} s, the change search ${search.toFixed(2)} s), `
      + `charts and pages ${write.toFixed(2)} s`;
  } finally {
    await history.close();
  }
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-bench-dashboard-'));
try {
  console.log(`passbench dashboard (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)} at the start)`);
  for (const runs of SIZES) {
    const file = path.join(root, `history-${runs}.sqlite`);
    const buildS = await buildHistory(file, runs, path.join(root, 'runs'));
    const out = path.join(root, `dashboard-${runs}`);
    const times: number[] = [];
    const cpus: number[] = [];
    let said = '';
    for (let r = 0; r < REPEAT; r++) {
      const cpuBefore = await childrenCpu();
      const t = performance.now();
      const result = await run(process.execPath, ['bin/passbench.js', 'dashboard', '--history', file, '--out', out], { maxBuffer: 1 << 24 });
      times.push((performance.now() - t) / 1000);
      const cpuAfter = await childrenCpu();
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpus.push(cpuAfter - cpuBefore);
      said = result.stdout.trim();
    }
    const bytes = (await Promise.all((await fs.readdir(out)).map(async (f) => (await fs.stat(path.join(out, f))).size))).reduce((a, b) => a + b, 0);
    const target = TARGETS[runs];
    console.log(`${runs} runs × ${MODES.length * 10} series (${REPETITIONS} repetitions a run; history built in ${buildS.toFixed(1)} s): ${said.replace(root, '…')}, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(`  ${REPEAT} run(s): median ${median(times).toFixed(2)} s, min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s`
      + (cpus.length === 0 ? '' : `; CPU (user + system) median ${median(cpus).toFixed(2)} s`)
      + (target === undefined ? '' : `; target ≤ ${target} s: ${median(times) <= target ? 'met' : 'NOT met'}`)
      + `; load ${os.loadavg()[0]!.toFixed(1)}`);
    console.log(`  in process: ${await phases(file, `${out}-phases`)}`);
  }
} finally {
  if (process.argv.includes('--keep')) console.log(`kept: ${root}`);
  else await fs.rm(root, { recursive: true, force: true });
}
