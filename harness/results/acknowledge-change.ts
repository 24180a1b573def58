/**
 * `passbench changes ack RUN METRIC…`: accepts the change points of those metrics that start at
 * that run. Only a change the history shows can be acknowledged: a mistyped run (the night
 * before the change, say) would otherwise be recorded and the change would stay open unseen.
 */
import { ResultsError } from '../errors.ts';
import { findChanges } from './changes.ts';
import { absoluteThresholdFor, parseThresholds, thresholdFor } from './thresholds.ts';
import type { Acknowledgement, History } from './history.ts';

export interface AckRequest {
  runId: string;
  metrics: readonly string[];
  by: string;
  why: string;
  now?: Date;
}

export async function acknowledgeChanges(history: History, r: AckRequest): Promise<Acknowledgement[]> {
  const run = await history.getRun(r.runId);
  if (!run) {
    throw new ResultsError(`run ${r.runId} is not in the history ${history.location}`, {
      remedy: 'give the run id passbench changes lists as the first run after the change',
    });
  }
  const at = (r.now ?? new Date()).toISOString();
  const acks: Acknowledgement[] = [];
  for (const metric of r.metrics) {
    // Every significant change of the metric, material or not: the list's threshold may differ.
    // (Outlier nights and superseded changes are judged at the default thresholds.)
    const defaults = parseThresholds();
    const all = await findChanges(history, {
      metric, threshold: (m) => thresholdFor(defaults, m), absoluteThreshold: (m) => absoluteThresholdFor(defaults, m), listAll: true,
    });
    const starts = [...new Set(all.changes.map((c) => c.runId))];
    if (!starts.includes(r.runId)) {
      const outlier = all.outliers.some((o) => o.runId === r.runId);
      const known = (outlier ? `run ${r.runId} is an outlier night of it (one odd night, not a change: nothing to acknowledge); ` : '')
        + (starts.length > 0 ? `its changes start at run ${starts.join(', ')}` : 'the history shows no change of it');
      throw new ResultsError(`no change of ${metric} starts at run ${r.runId}: ${known}`, {
        remedy: 'acknowledge a change by the RUN column of passbench changes (the first run after it) and its metric',
      });
    }
    acks.push({ runId: r.runId, metric, by: r.by, why: r.why, at });
  }
  await history.acknowledge(acks);
  return acks;
}
