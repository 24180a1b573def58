/**
 * A synthetic nightly history: one run directory a night (through the real run writer), every
 * metric flat with seeded noise, and optionally from one night on one metric scaled and other
 * run facts (the kernel) changed. What `passbench changes` is tested on.
 */
import path from 'node:path';
import { openRunWriter } from '../../harness/results/run-writer.ts';
import { fakeMeta, fakeSamples, type FakeRunOptions } from './fake-run.ts';

export interface NightSeriesOptions {
  nights: number;
  /** 1-based night from which `step` applies. */
  stepAt?: number;
  /** 1-based night from which it no longer applies (the level is back); default: never. */
  stepUntil?: number;
  step?: { metric: string; factor: number };
  /** One night (1-based) whose `metric` is scaled by `factor`, the nights around it as they are. */
  outlier?: { night: number; metric: string; factor: number };
  /** Run options from stepAt on (e.g. a new kernel). */
  after?: Partial<FakeRunOptions>;
  modes?: FakeRunOptions['modes'];
  seed?: number;
}

/** Run id of night `n` (1-based): n01, n02 … */
export const nightId = (n: number): string => `n${String(n).padStart(2, '0')}`;

/** Writes the nights' run directories under `root`; returns them oldest first. */
export async function writeNightSeries(root: string, o: NightSeriesOptions): Promise<string[]> {
  const dirs: string[] = [];
  for (let n = 1; n <= o.nights; n++) {
    const changed = o.stepAt !== undefined && n >= o.stepAt && (o.stepUntil === undefined || n < o.stepUntil);
    const run: FakeRunOptions = {
      runId: nightId(n), startedAt: new Date(Date.UTC(2026, 10, n, 2, 0, 0)), modes: o.modes ?? ['nic'],
      repetitions: 5, noise: 0.03, seed: (o.seed ?? 100) + n, ...(changed ? o.after : {}),
    };
    const dir = path.join(root, run.runId);
    const writer = await openRunWriter(dir, fakeMeta(run));
    for (const s of fakeSamples(run)) {
      const stepped = changed && o.step !== undefined && s.metric === o.step.metric ? o.step.factor : 1;
      const odd = o.outlier !== undefined && o.outlier.night === n && s.metric === o.outlier.metric ? o.outlier.factor : 1;
      await writer.appendSample({ ...s, value: s.value * stepped * odd });
    }
    await writer.finish('passed');
    dirs.push(dir);
  }
  return dirs;
}
