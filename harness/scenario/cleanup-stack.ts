import { errorMessage } from '../errors.ts';

/**
 * What to undo, last in first out: guests stopped before their devices are restored, VFs removed
 * after the guests that used them. Every entry is tried, also after one fails; all failures are
 * returned (never swallowed) so the caller can report them and fail the run.
 */
export interface CleanupFailure {
  label: string;
  error: string;
  cause: unknown;
}

export class CleanupStack {
  private readonly entries: { label: string; undo: () => Promise<void> }[] = [];

  push(label: string, undo: () => Promise<void>): void {
    this.entries.push({ label, undo });
  }

  get labels(): string[] {
    return this.entries.map((e) => e.label);
  }

  /** Runs and removes every entry, newest first. */
  async unwind(log: (line: string) => void = () => undefined): Promise<CleanupFailure[]> {
    const failures: CleanupFailure[] = [];
    while (this.entries.length) {
      const { label, undo } = this.entries.pop()!;
      try {
        log(`cleanup: ${label}`);
        await undo();
      } catch (error) {
        log(`cleanup FAILED: ${label}: ${errorMessage(error)}`);
        failures.push({ label, error: errorMessage(error), cause: error });
      }
    }
    return failures;
  }
}
