import type { Host } from '../host/host.ts';
import { DEFAULT_JOURNAL_PATH, Journal } from './journal.ts';
import { undoSteps, type UndoOutcome } from './undo.ts';

/**
 * `passbench restore`: replays the journal in reverse. Pending steps are undone too (the process
 * may have died mid-change); every step is tried and every failure reported; the journal keeps
 * only the failed steps and is removed once none are left, so running it twice is harmless.
 */
export interface RestoreResult {
  journalPath: string;
  /** False when there was no journal: nothing to do. */
  found: boolean;
  outcomes: UndoOutcome[];
  failed: number;
}

export async function restoreFromJournal(
  host: Host,
  options: { journalPath?: string; timeoutMs?: number } = {},
): Promise<RestoreResult> {
  const journalPath = options.journalPath ?? DEFAULT_JOURNAL_PATH;
  const journal = await Journal.load(host, journalPath);
  if (!journal) return { journalPath, found: false, outcomes: [], failed: 0 };
  const outcomes = await undoSteps(host, journal, journal.steps, { timeoutMs: options.timeoutMs });
  return { journalPath, found: true, outcomes, failed: outcomes.filter((o) => o.result === 'failed').length };
}
