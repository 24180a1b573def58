import type { Host } from '../host/host.ts';
import { CorruptJournalError, Journal, stepSubject } from '../prepare/journal.ts';
import { PassbenchError } from '../errors.ts';

/** A journal is waiting: the host is not in its original state (environment, exit 3). */
export class PendingJournalError extends PassbenchError {}

/**
 * Before a run changes anything: no journal from an earlier run may be waiting (the host may not
 * be as it was). Says what it holds and the complete restore command; a journal that cannot be
 * read (truncated by a crash) gets the commands that show it and move it aside.
 */
export async function checkNoJournal(host: Host, hostName: string, journalPath: string, restore: string): Promise<void> {
  let journal: Journal | undefined;
  try {
    journal = await Journal.load(host, journalPath);
  } catch (error) {
    if (!(error instanceof CorruptJournalError)) throw error;
    throw new PendingJournalError(`host ${hostName}: ${error.message}; the host may not be as it was`, {
      cause: error,
      remedy: CorruptJournalError.remedyFor(restore, journalPath),
    });
  }
  if (!journal) return;
  const what = journal.steps.map(stepSubject).join(', ');
  throw new PendingJournalError(`host ${hostName}: journal ${journalPath} from an earlier run is still there (${journal.steps.length} step(s): ${what}); the host may not be as it was`, {
    remedy: `Run \`${restore}\` first.`,
  });
}
