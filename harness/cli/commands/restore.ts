import type { Command } from 'commander';
import { CorruptJournalError, JournalError, stepSubject, type JournalStep } from '../../prepare/journal.ts';
import { discardJournal } from '../../prepare/discard-journal.ts';
import { restoreFromJournal, type RestoreResult } from '../../prepare/restore.ts';
import type { UndoOutcome } from '../../prepare/undo.ts';
import { ExitCode } from '../exit-codes.ts';
import { addHostOptions } from '../host-option.ts';
import { addWaitOption, resolveHostState, withCommandLock, type LockCliOptions } from '../host-state.ts';
import { openCommandHost } from '../open-command-host.ts';
import { printJson, printLine } from '../output.ts';
import { stopLeftOneShotServers } from '../../measure/iperf3.ts';

interface RestoreOptions extends LockCliOptions {
  json?: boolean;
  showJournal?: boolean;
  discardJournal?: boolean;
}

export function registerRestoreCommand(program: Command): void {
  addWaitOption(addHostOptions(
    program
      .command('restore')
      .description('Put the host back as the journal found it (guests\' QEMU stopped, drivers, driver_override, VF counts, guest keys); safe to run twice')
      .option('--journal <path>', 'journal file on the host (default: journal.json in the lab config\'s journalDir for the host, else /var/lib/passbench)')
      .option('--show-journal', 'print the journal as it is on the host (also one that cannot be read) and change nothing')
      .option('--discard-journal', 'print the journal, then move it aside (JOURNAL.discarded-TIME) without undoing anything: for a journal that cannot be read')
      .option('--json', 'print the result as JSON'),
  )).action(async (options: RestoreOptions) => {
    const state = await resolveHostState(options);
    const host = await openCommandHost(options);
    try {
      if (options.showJournal) {
        const text = await host.readFile(state.journalPath).catch(() => undefined);
        printLine(text === undefined ? `No journal at ${state.journalPath}.` : `${state.journalPath} on ${host.name}:\n${text}`);
        return;
      }
      await withCommandLock(host, state, 'restore', async (lock) => {
        if (options.discardJournal) {
          const moved = await discardJournal(host, state.journalPath);
          printLine(moved ? `${state.journalPath} held:\n${moved.text}\nMoved aside to ${moved.to}; nothing was undone: check the devices it names with \`passbench devices\`.` : `No journal at ${state.journalPath}.`);
          return;
        }
        const result = await restoreFromJournal(host, { journalPath: state.journalPath }).catch((error: unknown) => {
          if (!(error instanceof CorruptJournalError)) throw error;
          // Shown, and never a dead end: the remedy names the commands for this very host and journal.
          printLine(`${state.journalPath} holds:\n${error.text}`);
          throw new JournalError(error.message, { cause: error, remedy: CorruptJournalError.remedyFor(state.restore, state.journalPath) });
        });
        // A dead run may have been measuring against a port of this host: its iperf3 server waits on.
        if (lock.tookOver?.owner?.command === 'run') await stopLeftOneShotServers(host);
        if (options.json) printJson({ ...result, outcomes: result.outcomes.map(toJsonOutcome) });
        else printLine(formatRestoreResult(result, state.restore));
        // Anything left undone (failed, or skipped behind a failed step) fails the command and stays journalled.
        if (result.left.length > 0) process.exitCode = ExitCode.failed;
      }, { takeOverStale: true });
    } finally {
      await host.close();
    }
  });
}

function describeStep(step: JournalStep): string {
  const pending = step.status === 'pending' ? '  (was in progress)' : '';
  if (step.kind === 'numvfs') return `${step.bdf}  sriov_numvfs ${step.target} -> ${step.before.numVfs}${pending}`;
  if (step.kind === 'qemu') return `${stepSubject(step)}  stopped`;
  if (step.kind === 'files') return `${stepSubject(step)}  removed (guest keys)`;
  const override = step.before.override ? `, driver_override ${step.before.override}` : '';
  return `${step.bdf}  ${step.target} -> ${step.before.driver ?? 'no driver'}${override}${pending}`;
}

export function formatRestoreResult(result: RestoreResult, restore = 'passbench restore'): string {
  if (!result.found) return `No journal at ${result.journalPath}: nothing to restore.`;
  const lines = result.outcomes.map((o) => {
    if (o.result === 'undone') return `  restored  ${describeStep(o.step)}`;
    if (o.result === 'gone') return `  gone      ${o.note}`;
    if (o.result === 'skipped') return `  SKIPPED   ${describeStep(o.step)}\n            ${o.reason}`;
    const remedy = (o.cause as { remedy?: string } | undefined)?.remedy;
    return `  FAILED    ${describeStep(o.step)}\n            ${o.error}${remedy ? `\n            what to do: ${remedy}` : ''}`;
  });
  if (result.left.length === 0) lines.push(`Restored; journal ${result.journalPath} removed.`);
  else {
    lines.push(`Not restored: ${result.left.length} step(s) remain in ${result.journalPath}:`);
    for (const step of result.left) lines.push(`  - ${describeStep(step)}`);
    lines.push(`Fix the cause (the FAILED lines say what) and run \`${restore}\` again.`);
  }
  return lines.join('\n');
}

/** An Error does not survive JSON.stringify: keep its message and remedy instead. */
function toJsonOutcome(o: UndoOutcome): object {
  if (o.result !== 'failed') return o;
  const { cause, ...rest } = o;
  return { ...rest, remedy: (cause as { remedy?: string } | undefined)?.remedy };
}
