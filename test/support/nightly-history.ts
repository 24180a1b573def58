/**
 * Simulated nightly histories for the night verdict: one run directory a night, written through
 * the real run writer (fake-run.ts's metrics with seeded noise) and imported into a history store,
 * as the nightly job does. A night may be scaled (a throughput step), carry a UDP loss figure
 * (a metric that sits at 0), or fail.
 */
import path from 'node:path';
import type { History } from '../../harness/results/history.ts';
import { readRunDir, type RunData } from '../../harness/results/run-reader.ts';
import { openRunWriter } from '../../harness/results/run-writer.ts';
import { SCHEMA_VERSION, type RunMeta } from '../../harness/results/schema.ts';
import { fakeMeta, fakeSamples } from './fake-run.ts';

export interface NightPlan {
  /** Multiplies throughputs and rates (0.9 = 10 % down). */
  factor?: number;
  /** udp.tx.loss in %, one value per repetition (written only when given). */
  loss?: readonly number[];
  status?: RunMeta['status'];
}

export interface NightsOptions {
  repetitions?: number;
  /** Relative noise of each repetition. */
  noise?: number;
  seed?: number;
  /** The first night's index (1-based; run ids n01, n02 …), to add nights to a history. */
  first?: number;
}

export const nightRunId = (n: number): string => `n${String(n).padStart(2, '0')}`;

/** Writes night `n`'s run directory under `root` and returns it as read back. */
export async function writeNight(root: string, n: number, plan: NightPlan, o: NightsOptions = {}): Promise<RunData> {
  const run = {
    runId: nightRunId(n), startedAt: new Date(Date.UTC(2026, 9, n, 2)), modes: ['nic' as const],
    repetitions: o.repetitions ?? 12, noise: o.noise ?? 0.02, seed: (o.seed ?? 500) + n, throughputFactor: plan.factor ?? 1,
  };
  const dir = path.join(root, run.runId);
  const writer = await openRunWriter(dir, fakeMeta(run));
  for (const s of fakeSamples(run)) await writer.appendSample(s);
  for (const [repetition, value] of (plan.loss ?? []).entries()) {
    await writer.appendSample({
      schema: SCHEMA_VERSION, runId: run.runId, host: 'lab1', mode: 'nic', guest: 'nic', metric: 'udp.tx.loss', unit: '%',
      direction: 'lower-is-better', value, repetition, warmup: false, at: run.startedAt.toISOString(), labels: {},
    });
  }
  await writer.finish(plan.status ?? 'passed');
  return readRunDir(dir);
}

/** Writes and imports one night per plan, in order; returns the last night's data. */
export async function importNights(root: string, history: History, plans: readonly NightPlan[], o: NightsOptions = {}): Promise<RunData[]> {
  const written: RunData[] = [];
  for (const [i, plan] of plans.entries()) {
    const data = await writeNight(root, (o.first ?? 1) + i, plan, o);
    await history.importRunData(data);
    written.push(data);
  }
  return written;
}
