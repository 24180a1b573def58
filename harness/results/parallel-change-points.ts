/**
 * findChangePoints over many series at once, on every core: the change search of `passbench
 * changes`, the dashboard and the report is E-divisive with 999 permutations and a bootstrap per
 * change, about 40 ms a series of 1,000 nights, and the series are independent. One worker thread
 * per spare core takes series from a shared queue while this thread takes them too (between two,
 * it lets the workers' requests in), so an uneven series does not leave a core idle. Each series'
 * search is seeded on its own, so the answer is the same whichever thread ran it.
 *
 * Small searches stay on this thread: a worker costs about 0.3 s to start (tsx, the modules).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { findChangePoints, type ChangePoint, type ChangePointOptions } from '../stats/change-points.ts';

/** Below this many values in all, one thread: a worker's start would cost more than it saves. */
const MIN_VALUES_FOR_WORKERS = 3_000;

export async function findChangePointsOfAll(
  series: readonly (readonly number[])[],
  options: Partial<ChangePointOptions>,
  threads = os.availableParallelism(),
): Promise<ChangePoint[][]> {
  const values = series.reduce((sum, s) => sum + s.length, 0);
  if (threads < 2 || series.length < 2 || values < MIN_VALUES_FOR_WORKERS) return series.map((s) => findChangePoints(s, options));
  const results: ChangePoint[][] = new Array(series.length);
  let next = 0;
  const take = (): number | undefined => (next < series.length ? next++ : undefined);
  const workers = Array.from({ length: Math.min(threads, series.length) - 1 }, () => runWorker(series, options, take, results));
  // This thread's share, one series at a time, with a turn of the event loop between them so that
  // a worker asking for its next series is answered at once.
  for (let i = take(); i !== undefined; i = take()) {
    results[i] = findChangePoints(series[i]!, options);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(workers);
  return results;
}

function runWorker(
  series: readonly (readonly number[])[],
  options: Partial<ChangePointOptions>,
  take: () => number | undefined,
  results: ChangePoint[][],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./change-points-worker.mjs', import.meta.url), { workerData: { series, options } });
    const ask = () => {
      const index = take();
      worker.postMessage(index ?? null);
    };
    worker.on('message', (m: { ready?: true; index?: number; points?: ChangePoint[] }) => {
      if (m.index !== undefined && m.points !== undefined) results[m.index] = m.points;
      ask();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`change-point worker exited with code ${code}`))));
  });
}
