/** `--since DATE|RUNID`: a date or time, or the start of a run in the history. */
import { UsageError } from '../errors.ts';
import type { History } from './history.ts';
import { normalizeTime } from './history/run-filter.ts';

/** Looks like a date (2026-11-24…): read as one, and an error if it is not a valid one. */
const DATE_LIKE = /^\d{4}-/;

/** Checked before the history is opened: a date is normalized, a run id is kept for sinceTime. */
export function parseSince(text: string): { time: string } | { runId: string } {
  if (text.trim() === '') throw new UsageError('--since "": expected a date (2026-11-24), a time (2026-11-24T02:00:00Z) or a run id');
  return DATE_LIKE.test(text) ? { time: normalizeTime(text, '--since') } : { runId: text };
}

export async function sinceTime(history: History, since: { time: string } | { runId: string }): Promise<string> {
  if ('time' in since) return since.time;
  const run = await history.getRun(since.runId);
  if (!run) {
    throw new UsageError(`--since ${JSON.stringify(since.runId)} is neither a date nor a run in the history ${history.location}`, {
      remedy: 'give a date (2026-11-24), a time (2026-11-24T02:00:00Z) or a run id passbench history lists',
    });
  }
  return run.startedAt;
}
