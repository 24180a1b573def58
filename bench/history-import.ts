/**
 * How long `passbench history import` takes over a lab's archive (issue 12, point 6: 1,000 runs
 * in at most 30 s):
 *
 *   npx tsx bench/history-import.ts [--runs N] [--repeat N] [--dirs FOLDER] [--no-postgres]
 *
 * Writes N run directories through the real run writer (test/support/fake-run.ts: one host, four
 * modes × ten metrics = 40 series, 5 repetitions + 1 warm-up = 240 samples and 8 checks a run),
 * by default under /dev/shm (the writer fsyncs every line; on tmpfs that costs nothing, and
 * writing the archive is not what is measured). Then runs the real CLI as a child process,
 * `bin/passbench.js history import FOLDER --json`, into a new SQLite file on disk and again into
 * the same history (every run skipped), --repeat times (default 3: median and range); for
 * comparison, in this process, each run in its own transaction as before (history.importRun);
 * then the same calls into a throwaway PostgreSQL server (test/support/postgres.ts) when
 * PostgreSQL is installed. Prints each call's wall time (node's start included), the time the
 * import itself measured, the CPU seconds the child used and the
 * load average, since on a busy 2-core machine the wall time says as much about the neighbours.
 *
 * 3 December 2026, revision 44b1f18, this 2-core machine busy (load 5.5–6.0, the lead's virtual
 * lab running), medians (min–max) of 3: SQLite, 1,000 runs into a new history 3.8 s (3.3–4.0)
 * measured by the import, 5.7 s (4.6–5.8) wall with node's start; again, all skipped, 1.5 s.
 * PostgreSQL 6.3 s (6.1–7.8), wall 8.4 s (7.6–9.7); again 1.7 s. Each run in its own transaction,
 * in process: 6.3 s on SQLite. Earlier runs the same day, at load 4.4–6.8: SQLite 3.4–7.6 s,
 * PostgreSQL 5.4–10.7 s; PostgreSQL without prepared statements 10.6 and 11.3 s against 7.6 and
 * 6.8 s with them, alternated.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openHistory } from '../harness/results/history.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { writeFakeRun } from '../test/support/fake-run.ts';
import { arg, childrenCpu } from './bench-args.ts';

const run = promisify(execFile);
const RUNS = Number(arg('--runs', '1000'));
const REPEAT = Number(arg('--repeat', '3'));
const shm = await fs.stat('/dev/shm').then((s) => s.isDirectory(), () => false);
const DIRS_ROOT = arg('--dirs', shm ? '/dev/shm' : os.tmpdir());

async function writeArchive(folder: string): Promise<void> {
  const day = Date.UTC(2024, 0, 1, 2);
  let next = 0;
  const worker = async () => {
    while (next < RUNS) {
      const n = next++;
      const runId = `bench-${String(n).padStart(5, '0')}`;
      await writeFakeRun(path.join(folder, runId), {
        runId, startedAt: new Date(day + n * 86_400_000), modes: ['nic', 'vf', 'e1000', 'virtio'], repetitions: 5, seed: n + 1,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Result { imported: number; replaced: number; skipped: number; failed: number; seconds: number }

async function timeImport(label: string, folder: string, history: string): Promise<{ wall: number; import: number }> {
  const cpu0 = await childrenCpu();
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, ['bin/passbench.js', 'history', 'import', folder, '--history', history, '--json'], { maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = await childrenCpu();
  const r = JSON.parse(stdout) as Result;
  const cpu = cpu0 === undefined || cpu1 === undefined ? 'n/a' : `${(cpu1 - cpu0).toFixed(1)} s`;
  console.log(`${label.padEnd(28)} wall ${wall.toFixed(1)} s, import ${r.seconds.toFixed(1)} s, CPU ${cpu}, load ${os.loadavg()[0]!.toFixed(1)}: `
    + `${r.imported} imported, ${r.replaced} replaced, ${r.skipped} skipped, ${r.failed} failed`);
  return { wall, import: r.seconds };
}

const spread = (xs: readonly number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `${median.toFixed(1)} s (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)})`;
};

/** REPEAT times: a new history, the archive into it, then again (all skipped); medians and ranges. */
async function measure(backend: string, newHistory: () => Promise<string>, folder: string): Promise<void> {
  const first: { wall: number; import: number }[] = [];
  const again: { wall: number; import: number }[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const location = await newHistory();
    first.push(await timeImport(`${backend}, new history`, folder, location));
    again.push(await timeImport(`${backend}, again`, folder, location));
  }
  console.log(`${backend}: ${RUNS} runs into a new history: import ${spread(first.map((t) => t.import))}, wall ${spread(first.map((t) => t.wall))}; `
    + `again (all skipped): import ${spread(again.map((t) => t.import))}; median (min–max) of ${REPEAT}`);
}

/**
 * For comparison, in this process: each run read and stored in its own transaction
 * (history.importRun, what the runner does for its one run and what `history import DIR` did per
 * call before; a call per directory also paid node's start, about 1–2 s, each time).
 */
async function timePerRun(folder: string, file: string): Promise<void> {
  const history = await openHistory(file);
  try {
    const dirs = (await fs.readdir(folder)).sort();
    const t0 = performance.now();
    for (const dir of dirs) await history.importRun(path.join(folder, dir));
    console.log(`${'SQLite, a run a transaction'.padEnd(28)} ${((performance.now() - t0) / 1000).toFixed(1)} s in process (no node start), load ${os.loadavg()[0]!.toFixed(1)}`);
  } finally {
    await history.close();
  }
}

const folder = await fs.mkdtemp(path.join(DIRS_ROOT, 'passbench-archive-'));
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-import-bench-'));
try {
  const t0 = performance.now();
  await writeArchive(folder);
  console.log(`${RUNS} run directories (240 samples, 8 checks each) written in ${((performance.now() - t0) / 1000).toFixed(1)} s under ${DIRS_ROOT}; `
    + `revision ${(await run('git', ['rev-parse', '--short', 'HEAD'])).stdout.trim()}, ${os.cpus().length} cores`);
  let n = 0;
  await measure('SQLite', async () => path.join(work, `history-${++n}.sqlite`), folder);
  await timePerRun(folder, path.join(work, 'per-run.sqlite'));
  if (process.argv.includes('--no-postgres')) {
    console.log('PostgreSQL: left out (--no-postgres)');
  } else {
    let server;
    try {
      server = await startPostgres();
    } catch (error) {
      console.log(`PostgreSQL: not measured (${(error as Error).message})`);
    }
    if (server) {
      try {
        await measure('PostgreSQL', () => server.createDatabase(), folder);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await fs.rm(folder, { recursive: true, force: true });
  await fs.rm(work, { recursive: true, force: true });
}
