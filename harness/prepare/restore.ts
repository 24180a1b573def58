import type { Host } from '../host/host.ts';
import { DEFAULT_JOURNAL_PATH, Journal, type JournalStep } from './journal.ts';
import { undoSteps, type UndoOptions, type UndoOutcome } from './undo.ts';

/**
 * `passbench restore`: replays the journal in dependency order (harness/prepare/undo-order.ts).
 * Pending steps are undone too (the process may have died mid-change); every step whose
 * prerequisites were undone is tried and every failure reported; the journal keeps the failed and
 * skipped steps and is removed once none are left, so running it again finishes the job.
 */
export interface RestoreResult {
  journalPath: string;
  /** False when there was no journal: nothing to do. */
  found: boolean;
  outcomes: UndoOutcome[];
  failed: number;
  /** Steps still in the journal (failed, or skipped because a step they depend on failed). */
  left: JournalStep[];
}

export async function restoreFromJournal(
  host: Host,
  options: UndoOptions & { journalPath?: string } = {},
): Promise<RestoreResult> {
  const journalPath = options.journalPath ?? DEFAULT_JOURNAL_PATH;
  const journal = await Journal.load(host, journalPath);
  if (!journal) return { journalPath, found: false, outcomes: [], failed: 0, left: [] };
  const outcomes = await undoSteps(host, journal, journal.steps, options);
  return {
    journalPath, found: true, outcomes,
    failed: outcomes.filter((o) => o.result === 'failed').length,
    left: outcomes.filter((o) => o.result === 'failed' || o.result === 'skipped').map((o) => o.step),
  };
}
