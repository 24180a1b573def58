/**
 * Which documented exit code (exit-codes.ts) an error that ends a command stands for. Only those
 * codes ever leave passbench: a failed remote command's own code (127, 255, 7…) is a number about
 * that command, not about the run, and a CI job keying on 0–4 must never see it.
 */
import { CommandError, PassbenchError, ResultsError, UsageError } from '../errors.ts';
import { HostKeyMismatchError, SshConnectError } from '../host/ssh-errors.ts';
import { LockError } from '../scenario/host-lock.ts';
import { UnfitError } from '../scenario/host-run.ts';
import { PendingJournalError } from '../scenario/pending-journal.ts';
import type { RunConclusion } from '../scenario/runner.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** Not fit, busy or unreachable: the environment, not the thing tested (exit 3). */
const UNFIT: readonly (abstract new (...args: never[]) => PassbenchError)[] = [
  UnfitError, PendingJournalError, LockError, SshConnectError, HostKeyMismatchError,
];

const DOCUMENTED: ReadonlySet<number> = new Set(Object.values(ExitCode));

export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof UsageError) return ExitCode.usage;
  if (error instanceof ResultsError) return ExitCode.unreadable;
  if (UNFIT.some((kind) => error instanceof kind)) return ExitCode.unfit;
  // An error of ours may say which documented code it stands for (LockError: 3). A CommandError's
  // exitCode is the remote command's own number and never passes through.
  const declared = (error as { exitCode?: unknown }).exitCode;
  if (error instanceof PassbenchError && !(error instanceof CommandError) && typeof declared === 'number' && DOCUMENTED.has(declared)) {
    return declared as ExitCodeValue;
  }
  return ExitCode.failed;
}

/** A code a command set itself: kept when documented, else "failed" (never a stray number). */
export function documentedExitCode(code: number): ExitCodeValue {
  return (DOCUMENTED.has(code) ? code : ExitCode.failed) as ExitCodeValue;
}

/** A run's conclusion as the exit code CI jobs key on (the runner decides; only the CLI knows codes). */
export function exitCodeOfRun(conclusion: RunConclusion): ExitCodeValue {
  switch (conclusion) {
    case 'passed': return ExitCode.ok;
    case 'failed': return ExitCode.failed;
    case 'invalid': return ExitCode.usage;
    case 'unfit': return ExitCode.unfit;
  }
}
