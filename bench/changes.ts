/**
 * How long `passbench changes` takes over a history of 1,000 nightly runs:
 *
 *   npx tsx bench/changes.ts [--runs N] [--repeat N] [--modes nic,vf,e1000,virtio]
 *
 * Builds a synthetic SQLite history (one host, four modes × ten metrics = 40 series, 5 repetitions
 * + 1 warm-up a run, 3 % noise within a run), with what a lab's year looks like: a kernel upgrade
 * at 40 % of the runs that lowers every throughput and rate by 10 % (16 series step), another at
 * 70 % that brings them back (the first change is then superseded), and one outlier night at 85 %
 * (throughputs 30 % low for one run). Then runs the real CLI (bin/passbench.js changes --json) as
 * a child process --repeat times and prints the median and the spread (min, max) of the wall
 * times, with what it found. The first call is not dropped: each call is a fresh process, as a
 * nightly's would be.
 *
 * Then false alarms across series (no history, the same search and rule as `changes`): --null N
 * (default 1000) series of 60 nights and N / 4 of 1,000 nights (searched as block medians) without
 * change (a night = nightValue, the Hodges–Lehmann estimate, of 3 repetitions with 3 % noise,
 * levels varying 1 % from night to night, as bench/power.ts), and how many show a change point at all and how many list a material
 * one (5 %), with 95 % Wilson intervals.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openHistory } from '../harness/results/history.ts';
import type { Mode } from '../harness/results/schema.ts';
import { DEFAULT_CHANGE_OPTIONS } from '../harness/results/changes.ts';
import { findChangePoints, isMaterial } from '../harness/stats/change-points.ts';
import { median } from '../harness/stats/descriptive.ts';
import { nightValue } from '../harness/stats/night-verdict.ts';
import { createRandom } from '../harness/stats/random.ts';
import { wilson } from './wilson.ts';
import { fakeMeta, fakeSamples } from '../test/support/fake-run.ts';
import { arg, childrenCpu } from './bench-args.ts';

const run = promisify(execFile);
const RUNS = Number(arg('--runs', '1000'));
const REPEAT = Number(arg('--repeat', '5'));
const MODES = arg('--modes', 'nic,vf,e1000,virtio').split(',') as Mode[];
const UPGRADE = Math.floor(RUNS * 0.4);
const FIX = Math.floor(RUNS * 0.7);
const OUTLIER = Math.floor(RUNS * 0.85);
const NULL_SERIES = Number(arg('--null', '1000'));

/** How many of `count` null series of `nights` show any change point, and a material one. */
function falseAlarms(count: number, nights: number): { any: number; material: number } {
  let any = 0;
  let material = 0;
  for (let s = 0; s < count; s++) {
    const random = createRandom(10_000 + s);
    const values = Array.from({ length: nights }, () => {
      const level = 100 * (1 + 0.01 * random.normal());
      return nightValue(Array.from({ length: 3 }, () => level * (1 + 0.03 * random.normal())));
    });
    const found = findChangePoints(values, DEFAULT_CHANGE_OPTIONS);
    if (found.length > 0) any++;
    if (found.some((c) => isMaterial(c, 0.05))) material++;
  }
  return { any, material };
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-bench-changes-'));
try {
  const historyFile = path.join(root, 'history.sqlite');
  const history = await openHistory(historyFile);
  const day = 86_400_000;
  let t = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const o = {
      runId: `run${String(i).padStart(5, '0')}`, startedAt: new Date(Date.UTC(2024, 0, 1, 2) + i * day), seed: i + 1,
      modes: MODES, repetitions: 5, noise: 0.03,
      kernel: i < UPGRADE ? '6.1.0-27-amd64' : i < FIX ? '6.12.3-amd64' : '6.12.9-amd64',
      throughputFactor: i === OUTLIER ? 0.7 : i >= UPGRADE && i < FIX ? 0.9 : 1,
    };
    await history.importRunData({ dir: '', meta: { ...fakeMeta(o), status: 'passed' }, samples: fakeSamples(o), checks: [] });
  }
  await history.close();
  const buildS = (performance.now() - t) / 1000;

  const times: number[] = [];
  const cpus: number[] = [];
  let found: { status: string; runId: string }[] = [];
  for (let r = 0; r < REPEAT; r++) {
    t = performance.now();
    const cpuBefore = await childrenCpu();
    // Exit 1 (an open change for the worse) is an answer, not a failure: read stdout either way.
    const out = await run(process.execPath, ['bin/passbench.js', 'changes', '--history', historyFile, '--json'], { maxBuffer: 1 << 26 })
      .catch((e: { code?: number; stdout?: string; stderr?: string }) => {
        if (e.code === 1 && e.stdout) return { stdout: e.stdout };
        throw new Error(`passbench changes failed (exit ${e.code}): ${e.stderr}`);
      });
    times.push((performance.now() - t) / 1000);
    const cpuAfter = await childrenCpu();
    if (cpuBefore !== undefined && cpuAfter !== undefined) cpus.push(cpuAfter - cpuBefore);
    found = JSON.parse(out.stdout) as typeof found;
  }
  const byStatus = new Map<string, number>();
  for (const c of found) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);

  console.log(`passbench changes over a ${RUNS}-run history (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(`history: ${RUNS} runs × ${MODES.length * 10} series, built in ${buildS.toFixed(1)} s; steps at runs ${UPGRADE} and ${FIX}, outlier night ${OUTLIER}`);
  console.log(`found ${found.length} change(s): ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`);
  for (const [count, nights] of [[NULL_SERIES, 60], [Math.ceil(NULL_SERIES / 4), 1000]] as const) {
    const nulls = falseAlarms(count, nights);
    const share = (k: number) => {
      const w = wilson(k, count);
      return `${k} (${((100 * k) / count).toFixed(1)} %, 95 % CI ${(100 * w.low).toFixed(1)}–${(100 * w.high).toFixed(1)} %)`;
    };
    console.log(`false alarms: of ${count} null series of ${nights} nights, ${share(nulls.any)} show a change point, ${share(nulls.material)} list a material one (5 %)`);
  }
  console.log(`${REPEAT} runs: median ${median(times).toFixed(2)} s, min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s`
    + ` (spread ${(Math.max(...times) - Math.min(...times)).toFixed(2)} s)`
    + (cpus.length === 0 ? '' : `; CPU (user + system) median ${median(cpus).toFixed(2)} s, min ${Math.min(...cpus).toFixed(2)} s, max ${Math.max(...cpus).toFixed(2)} s`));
} finally {
  if (process.argv.includes("--keep")) console.log(`kept: ${root}`); else await fs.rm(root, { recursive: true, force: true });
}
